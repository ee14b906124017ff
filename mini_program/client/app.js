// 蒙城政务公开: the county's disclosure catalogue on residents' phones.
const auth = require('./utils/auth')

App({
  globalData: {},

  onLaunch() {
    // Log in straight away so the first page's requests already carry a token; a failure
    // has been shown to the resident, and the next request that needs a session retries.
    this.ready = auth.ensureToken().catch(() => null)
  },
})
