// Where the mini-program finds the govmatrix API. In production this is the county's HTTPS
// domain registered in the mini-program admin console ("request 合法域名"); the tests point it
// at the server they start. Nothing secret belongs here: the client is public code.
module.exports = {
  baseUrl: 'http://127.0.0.1:8000',
  pageSize: 20,
}
