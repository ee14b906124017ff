// Shared by every page: the large-text preference, applied when the page appears.
const display = require('../utils/display')

module.exports = Behavior({
  data: {large: false},
  lifetimes: {
    attached() {
      this.setData({large: display.isLargeText()})
    },
  },
  pageLifetimes: {
    show() {
      const large = display.isLargeText()
      if (large !== this.data.large) this.setData({large})
    },
  },
})
