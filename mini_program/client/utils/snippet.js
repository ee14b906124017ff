// Search snippets arrive as text in which the server wrapped each match in <em>…</em>.
// They are never handed to rich-text as HTML: the only markup honoured is <em>/</em>, every
// other character (including any other tag) stays literal text, and the rich-text nodes are
// built here from plain text, so nothing the server or a document author wrote can become
// markup, styles, links or images on the resident's phone.

const ENTITIES = {'&lt;': '<', '&gt;': '>', '&amp;': '&', '&quot;': '"', '&#39;': "'", '&#x27;': "'", '&nbsp;': ' '}

function decodeEntities(text) {
  return text.replace(/&(lt|gt|amp|quot|nbsp|#39|#x27);/g, m => ENTITIES[m])
}

// rich-text decodes entities inside text nodes, so literal &, < and > are encoded for it.
function encodeForRichText(text) {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/** parse('…<em>低保</em>…') → [{text: '…', hit: false}, {text: '低保', hit: true}, …] */
function parse(snippet) {
  const segments = []
  if (typeof snippet !== 'string' || !snippet) return segments
  let hit = false
  snippet.split(/(<\/?em>)/i).forEach(part => {
    const tag = part.toLowerCase()
    if (tag === '<em>') {
      hit = true
      return
    }
    if (tag === '</em>') {
      hit = false
      return
    }
    if (!part) return
    const text = decodeEntities(part)
    const last = segments[segments.length - 1]
    if (last && last.hit === hit) last.text += text
    else segments.push({text, hit})
  })
  return segments
}

// Inline style as well as the class: rich-text nodes do not always see the component's styles.
const HIT_STYLE = 'color:#b3261e;font-style:normal;font-weight:bold;'

function toNodes(segments) {
  return segments.map(seg =>
    seg.hit
      ? {name: 'em', attrs: {class: 'hl', style: HIT_STYLE}, children: [{type: 'text', text: encodeForRichText(seg.text)}]}
      : {type: 'text', text: encodeForRichText(seg.text)},
  )
}

function plainText(segments) {
  return segments.map(s => s.text).join('')
}

module.exports = {parse, toNodes, plainText}
