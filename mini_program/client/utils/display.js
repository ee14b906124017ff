// Display preferences that follow the resident from page to page (large text for older
// readers), kept in local storage so they survive restarts.
const LARGE_TEXT_KEY = 'govmatrix_large_text'

function isLargeText() {
  return Boolean(wx.getStorageSync(LARGE_TEXT_KEY))
}

function setLargeText(on) {
  wx.setStorageSync(LARGE_TEXT_KEY, on ? 1 : 0)
}

// Dates from the server are ISO strings (UTC instants or plain dates); residents read
// Beijing dates.
function formatDate(value) {
  if (!value) return ''
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value
  const t = Date.parse(value)
  if (Number.isNaN(t)) return String(value)
  const d = new Date(t + 8 * 3600 * 1000)
  const pad = n => (n < 10 ? '0' + n : '' + n)
  return d.getUTCFullYear() + '-' + pad(d.getUTCMonth() + 1) + '-' + pad(d.getUTCDate())
}

module.exports = {isLargeText, setLargeText, formatDate}
