// A search snippet with its matches highlighted, rendered from parsed text (see utils/snippet).
const snippet = require('../../utils/snippet')

Component({
  // The page's large-text rules (app.wxss) reach the snippet too.
  options: {styleIsolation: 'apply-shared'},
  properties: {
    text: {type: String, value: ''},
  },
  data: {nodes: [], plain: '', hits: []},
  observers: {
    text(value) {
      const segments = snippet.parse(value)
      this.setData({
        nodes: snippet.toNodes(segments),
        plain: snippet.plainText(segments),
        hits: segments.filter(s => s.hit).map(s => s.text),
      })
    },
  },
})
