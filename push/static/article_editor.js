// The article editor: Quill for the body (installed from npm, no CDN), live counters against
// WeChat's limits, image and cover uploads. The textarea stays the form field, so the page
// still works without script; the server sanitises and checks everything again.
(function () {
  "use strict";

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function upload(file) {
    var data = new FormData();
    data.append("file", file);
    return fetch("/api/v1/admin/article-images", {
      method: "POST",
      body: data,
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken() },
    }).then(function (response) {
      return response.json().then(function (body) {
        if (!response.ok) {
          var fields = (body.error && body.error.fields) || {};
          throw new Error(fields.file || (body.error && body.error.message) || "上传失败");
        }
        return body;
      });
    });
  }

  // Plain fields: "n / limit" while typing.
  document.querySelectorAll("[data-limit]").forEach(function (input) {
    var counter = document.querySelector('[data-count-for="' + input.id + '"]');
    if (!counter) return;
    var limit = parseInt(input.getAttribute("data-limit"), 10);
    function update() {
      var n = Array.from(input.value).length;
      counter.textContent = String(n);
      counter.parentNode.classList.toggle("over", n > limit);
    }
    input.addEventListener("input", update);
    update();
  });

  // The body's size as WeChat counts it: HTML characters and bytes, our images at the length
  // of WeChat's image URLs (what the server counts too).
  var source = document.getElementById("f-content");
  var chars = document.getElementById("content-chars");
  var bytes = document.getElementById("content-bytes");
  var text = document.getElementById("content-text");
  var imageChars = source ? parseInt(source.getAttribute("data-image-chars"), 10) : 140;
  function measure(html) {
    var extra = 0;
    html.replace(/src="(\/media\/push\/[0-9a-f]{32}\.(?:jpg|png))"/g, function (_, src) {
      extra += imageChars - src.length;
      return _;
    });
    var size = new TextEncoder().encode(html).length + extra;
    var length = Array.from(html).length + extra;
    var plain = html.replace(/<[^>]+>/g, "").trim();
    chars.textContent = String(length);
    bytes.textContent = String(size);
    text.textContent = String(Array.from(plain).length);
    var over = length >= parseInt(source.getAttribute("data-chars"), 10) ||
      size >= parseInt(source.getAttribute("data-bytes"), 10);
    chars.parentNode.classList.toggle("over", over);
  }

  // Cover: upload, show, or clear (then each account's default cover is used).
  var coverFile = document.getElementById("cover-file");
  var coverField = document.getElementById("f-cover_media_id");
  var coverImg = document.getElementById("cover-preview");
  var coverHint = document.getElementById("cover-hint");
  if (coverFile) {
    coverFile.addEventListener("change", function () {
      if (!coverFile.files.length) return;
      coverHint.textContent = "正在上传……";
      upload(coverFile.files[0]).then(function (image) {
        coverField.value = image.media_id;
        coverImg.src = image.url;
        coverImg.hidden = false;
        coverHint.textContent = "已选择封面（" + image.width + "×" + image.height + "）";
      }).catch(function (error) {
        coverHint.textContent = error.message;
      });
    });
    document.getElementById("cover-clear").addEventListener("click", function () {
      coverField.value = "";
      coverImg.hidden = true;
      coverImg.removeAttribute("src");
      coverHint.textContent = "未选择封面：发布时使用各账号的默认封面";
    });
  }

  if (!source) return;
  var holder = document.getElementById("editor");
  if (!window.Quill || !holder) {
    source.addEventListener("input", function () { measure(source.value); });
    measure(source.value);
    return;
  }

  // WeChat articles have no stylesheet: alignment and sizes must be inline styles.
  var Quill = window.Quill;
  Quill.register(Quill.import("attributors/style/align"), true);
  Quill.register(Quill.import("attributors/style/size"), true);
  // Reviewers read the body formatted, in the same editor, without a toolbar.
  var readOnly = source.readOnly;
  var quill = new Quill(holder, {
    theme: "snow",
    readOnly: readOnly,
    placeholder: "在这里写正文，或粘贴 Word、网页中的内容……",
    modules: {
      toolbar: readOnly ? false : {
        container: [
          [{ header: [2, 3, false] }],
          ["bold", "italic", "underline", "strike"],
          [{ color: [] }, { background: [] }],
          [{ align: [] }],
          [{ list: "ordered" }, { list: "bullet" }],
          ["blockquote", "link", "image"],
          ["clean"],
        ],
        handlers: {
          image: function () {
            var picker = document.createElement("input");
            picker.type = "file";
            picker.accept = "image/jpeg,image/png";
            picker.addEventListener("change", function () {
              if (!picker.files.length) return;
              upload(picker.files[0]).then(function (image) {
                var at = (quill.getSelection(true) || { index: quill.getLength() }).index;
                quill.insertEmbed(at, "image", image.url, "user");
                quill.setSelection(at + 1, 0, "silent");
              }).catch(function (error) {
                window.alert(error.message);
              });
            });
            picker.click();
          },
        },
      },
    },
  });
  // Under the console's CSP a `style` attribute is never parsed into element.style (not even
  // in DOMParser's documents, and each one is reported as a violation), so Quill's own style
  // matcher sees nothing. Before Quill parses HTML (the saved body, or a paste), each style
  // attribute is renamed to data-gm-style, whose text the matcher below reads instead: the
  // colours, emphasis and alignment WeChat articles keep.
  var STYLE_ATTR = /(\s)style=("[^"]*"|'[^']*')/gi;
  var convert = quill.clipboard.convert.bind(quill.clipboard);
  quill.clipboard.convert = function (data, formats) {
    if (data && data.html) {
      data = Object.assign({}, data, { html: data.html.replace(STYLE_ATTR, "$1data-gm-style=$2") });
    }
    return convert(data, formats);
  };
  function stylesOf(node) {
    var raw = node.getAttribute && node.getAttribute("data-gm-style");
    var out = {};
    if (!raw) return out;
    raw.split(";").forEach(function (part) {
      var at = part.indexOf(":");
      if (at > 0) out[part.slice(0, at).trim().toLowerCase()] = part.slice(at + 1).trim();
    });
    return out;
  }
  quill.clipboard.addMatcher(Node.ELEMENT_NODE, function (node, delta) {
    var styles = stylesOf(node);
    var inline = {};
    if (styles.color) inline.color = styles.color;
    if (styles["background-color"]) inline.background = styles["background-color"];
    if (/^(bold|[6-9]00)$/.test(styles["font-weight"] || "")) inline.bold = true;
    if (styles["font-style"] === "italic") inline.italic = true;
    if (/underline/.test(styles["text-decoration"] || "")) inline.underline = true;
    if (/line-through/.test(styles["text-decoration"] || "")) inline.strike = true;
    var align = /^(center|right|justify)$/.test(styles["text-align"] || "") ? styles["text-align"] : null;
    if (!Object.keys(inline).length && !align) return delta;
    delta.ops.forEach(function (op) {
      if (typeof op.insert !== "string") return;
      if (op.insert === "\n") {
        if (align) op.attributes = Object.assign({ align: align }, op.attributes || {});
      } else if (Object.keys(inline).length) {
        // Inner elements were matched first: their own formats win.
        op.attributes = Object.assign({}, inline, op.attributes || {});
      }
    });
    return delta;
  });
  quill.clipboard.dangerouslyPasteHTML(source.value || "", "silent");
  holder.hidden = false;
  source.hidden = true;

  function sync() {
    // Quill writes every space as &nbsp;; WeChat needs none of them.
    var html = quill.getSemanticHTML().replace(/&nbsp;/g, " ");
    if (html === "<p></p>" || html === "<p><br></p>") html = "";
    source.value = html;
    measure(html);
  }
  quill.on("text-change", sync);
  sync();
  document.getElementById("article-form").addEventListener("submit", sync);
})();
