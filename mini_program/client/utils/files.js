// Opening a file the server offers: pictures in WeChat's image viewer; office files and PDFs
// downloaded and opened with openDocument, told their type from the file name (temporary
// paths may lose it). Every failure is a short toast; a non-200 answer is a failure too
// (wx.downloadFile calls success for every HTTP status). Policy documents' attachments,
// opinion calls' drafts and disclosure answers all open through here.
const DOCUMENT_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf']
const IMAGE_TYPES = ['jpg', 'jpeg', 'png', 'gif', 'webp']

const MESSAGES = {
  loading: '正在打开附件',
  unavailable: '附件暂时无法下载',
  unsupported: '此附件无法在手机上打开',
}

function fileType(name) {
  const match = /\.([A-Za-z0-9]+)$/.exec(String(name || ''))
  return match ? match[1].toLowerCase() : ''
}

function sizeLabel(bytes) {
  if (!bytes) return ''
  if (bytes < 1024) return bytes + ' B'
  if (bytes < 1024 * 1024) return Math.round(bytes / 1024) + ' KB'
  return (bytes / 1024 / 1024).toFixed(1) + ' MB'
}

function openFile({url, name}, messages = {}) {
  const say = {...MESSAGES, ...messages}
  const type = fileType(name)
  if (IMAGE_TYPES.includes(type)) {
    wx.previewImage({urls: [url], current: url})
    return
  }
  wx.showLoading({title: say.loading})
  wx.downloadFile({
    url,
    success: res => {
      wx.hideLoading()
      if (res.statusCode !== 200) {
        wx.showToast({title: say.unavailable, icon: 'none'})
        return
      }
      wx.openDocument({
        filePath: res.tempFilePath,
        fileType: DOCUMENT_TYPES.includes(type) ? type : undefined,
        showMenu: true,
        fail: () => wx.showToast({title: say.unsupported, icon: 'none'}),
      })
    },
    fail: () => {
      wx.hideLoading()
      wx.showToast({title: say.unavailable, icon: 'none'})
    },
  })
}

module.exports = {openFile, fileType, sizeLabel}
