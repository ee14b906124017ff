// Every page the app declares exists, compiles with WeChat's own wxml compiler and renders.
'use strict'
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const h = require('./harness')

const app = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'app.json'), 'utf8'))

test('app.json declares the catalogue pages, home first', () => {
  // Each capability adds its own pages; this test holds the catalogue's and the home's place.
  assert.equal(app.pages[0], 'pages/index/index')
  for (const page of [
    'pages/domain/index',
    'pages/item/index',
    'pages/document/index',
    'pages/search/index',
    'pages/normative/index',
  ]) {
    assert.ok(app.pages.includes(page), `${page} is declared`)
  }
  assert.equal(new Set(app.pages).size, app.pages.length, 'no page is declared twice')
})

for (const page of app.pages) {
  test(`${page} has its four files, a Chinese title and renders`, () => {
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      assert.ok(fs.existsSync(path.join(h.ROOT, `${page}.${ext}`)), `${page}.${ext} exists`)
    }
    const json = JSON.parse(fs.readFileSync(path.join(h.ROOT, `${page}.json`), 'utf8'))
    assert.match(json.navigationBarTitleText, /[\u4e00-\u9fff]/)
    const id = h.simulate.load(path.join(h.ROOT, page), {rootPath: h.ROOT})
    const comp = h.simulate.render(id)
    comp.attach(document.createElement('parent-wrapper'))
    assert.ok(comp.querySelector('.page'), 'the page has its root view')
  })
}

function sources(dir) {
  return fs.readdirSync(dir, {withFileTypes: true}).flatMap(entry => {
    if (['node_modules', 'test'].includes(entry.name)) return []
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return sources(full)
    return /\.(js|json|wxml)$/.test(entry.name) && entry.name !== 'package-lock.json' ? [full] : []
  })
}

test('the client carries no secret: only the appid and the server address', () => {
  const project = JSON.parse(fs.readFileSync(path.join(h.ROOT, 'project.config.json'), 'utf8'))
  assert.match(project.appid, /^wx[0-9a-f]{16}$/)
  assert.deepEqual(Object.keys(require('../config')).sort(), ['baseUrl', 'pageSize'])
  for (const file of sources(h.ROOT)) {
    const text = fs.readFileSync(file, 'utf8')
    assert.doesNotMatch(text, /demo-mini-program-secret|["']?(app_?)?secret["']?\s*[:=]/i, file)
  }
})
