"""The disciplined WeChat client: every call to WeChat goes through `matrix.wechat.service`."""
