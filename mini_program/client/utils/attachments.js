// Opening a published file on the phone: pictures in WeChat's image viewer; office files and
// PDFs downloaded and opened with openDocument, told the type from the file name (temp paths
// may lose it). Shared by policy documents and opinion calls.

// What wx.openDocument can open, and what WeChat shows as a picture instead.
const DOCUMENT_TYPES = ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf']
const IMAGE_TYPES = ['jpg', 'jpeg', 'png', 'gif', 'webp']

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

function openAttachment(attachment) {
  const type = fileType(attachment.name)
  if (IMAGE_TYPES.includes(type)) {
    wx.previewImage({urls: [attachment.url], current: attachment.url})
    return
  }
  wx.showLoading({title: '正在打开附件'})
  wx.downloadFile({
    url: attachment.url,
    success: res => {
      wx.hideLoading()
      if (res.statusCode !== 200) {
        wx.showToast({title: '附件暂时无法下载', icon: 'none'})
        return
      }
      wx.openDocument({
        filePath: res.tempFilePath,
        fileType: DOCUMENT_TYPES.includes(type) ? type : undefined,
        showMenu: true,
        fail: () => wx.showToast({title: '此附件无法在手机上打开', icon: 'none'}),
      })
    },
    fail: () => {
      wx.hideLoading()
      wx.showToast({title: '附件暂时无法下载', icon: 'none'})
    },
  })
}

module.exports = {fileType, sizeLabel, openAttachment}
