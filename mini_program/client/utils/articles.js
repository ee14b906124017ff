// Published policy articles (the push domain's resident API): reading needs no login.
const config = require('../config')
const http = require('./request')

const API = '/api/v1/mp/articles'

// Silent: the page says itself when an article is missing (an old notification, say).
function getArticle(id) {
  return http.get(API + '/' + encodeURIComponent(id), undefined, {silent: true})
}

function listArticles(domainId, page) {
  return http.get(API, {domain_id: domainId, page, per_page: config.pageSize})
}

module.exports = {getArticle, listArticles}
