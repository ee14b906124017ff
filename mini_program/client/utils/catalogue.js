// The catalogue API (docs/api-catalogue.md), one function per endpoint, plus the small
// shaping pages share. Reading needs no login; the token is still sent when there is one.
const config = require('../config')
const http = require('./request')

const API = '/api/v1/mp'

function listDomains() {
  return http.get(API + '/domains').then(body => body.items || [])
}

function listDomainItems(domainId, page) {
  return http.get(API + '/domains/' + encodeURIComponent(domainId) + '/items', {page, page_size: config.pageSize})
}

function getItem(id) {
  return http.get(API + '/items/' + encodeURIComponent(id))
}

function getDocument(id) {
  return http.get(API + '/documents/' + encodeURIComponent(id))
}

// filters: {title, issuer, doc_no, from, to}; empty ones are left out of the query.
function queryDocuments(filters, page) {
  return http.get(API + '/documents', {normative: 1, ...filters, page, page_size: config.pageSize})
}

function search(q, page, domain) {
  return http.get(API + '/search', {q, domain, page, page_size: config.pageSize})
}

function hasMore(body) {
  const page = Number(body.page || 1)
  const size = Number(body.page_size || config.pageSize)
  if (typeof body.total === 'number') return page * size < body.total
  return (body.items || []).length >= size
}

// "全社会、特定群体" from ["全社会", "特定群体"]; the catalogue's ticked columns as words.
function joinList(value) {
  if (Array.isArray(value)) return value.join('、')
  return value ? String(value) : ''
}

// Attachment URLs are server paths ("/media/..."); phones need the full address. Spaces and
// Chinese in a file name are percent-encoded; escapes already there are kept as they are.
function absoluteUrl(url) {
  if (!url) return ''
  const full = /^https?:\/\//.test(url) ? url : config.baseUrl + url
  return encodeURI(full).replace(/%25([0-9A-Fa-f]{2})/g, '%$1')
}

module.exports = {listDomains, listDomainItems, getItem, getDocument, queryDocuments, search, hasMore, joinList, absoluteUrl}
