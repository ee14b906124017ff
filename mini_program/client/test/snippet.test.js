// The snippet parser that decides what of a server snippet may become rich-text.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const snippet = require('../utils/snippet')

test('matches wrapped in <em> become highlighted segments', () => {
  const segments = snippet.parse('申请<em>低保</em>需要的材料')
  assert.deepEqual(segments, [
    {text: '申请', hit: false},
    {text: '低保', hit: true},
    {text: '需要的材料', hit: false},
  ])
})

test('other markup in a snippet stays literal text and never becomes a node', () => {
  const segments = snippet.parse('&lt;img src=x onerror=alert(1)&gt;<em>低保</em><script>x</script>')
  assert.equal(snippet.plainText(segments), '<img src=x onerror=alert(1)>低保<script>x</script>')
  const nodes = snippet.toNodes(segments)
  const names = []
  const walk = list => list.forEach(n => {
    if (n.name) names.push(n.name)
    if (n.children) walk(n.children)
  })
  walk(nodes)
  assert.deepEqual(names, ['em'])
  // rich-text decodes entities in text nodes: the literal "<" must reach it encoded.
  assert.equal(nodes[0].text, '&lt;img src=x onerror=alert(1)&gt;')
})

test('an unclosed highlight and empty input do not break the page', () => {
  assert.deepEqual(snippet.parse('<em>最低生活保障'), [{text: '最低生活保障', hit: true}])
  assert.deepEqual(snippet.parse(''), [])
  assert.deepEqual(snippet.parse(null), [])
})
