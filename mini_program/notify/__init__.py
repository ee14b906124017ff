"""Residents' notifications: subscribe-message grants and sending them (one implementation).

The mini-program asks a resident for one-time grants with `wx.requestSubscribeMessage` (the
template ids come from `GET /api/v1/mp/subscribe-templates`, by purpose) and posts WeChat's
answer to `POST /api/v1/mp/subscribe-grants`: each "accept" is one grant, i.e. one message.
Residents follow catalogue domains with `GET/PUT /api/v1/mp/follows`.

Other domains send through one function (mini_program/notify/service.py):

    from mini_program.notify import service as notify

    # inside the transaction that saves what is announced:
    await notify.notify(
        purpose="article_published",              # a key of data/templates.json
        object_key=f"article:{article.id}",       # what it is about: one message per resident
        domain_ids=[3, 7],                        # followers of these domains …
        # resident_ids=[12, 40],                  # … or these residents
        data={"title": "…", "department": "…", "time": published_at, "note": "…"},
        page=f"pages/article/index?id={article.id}",
    )                                             # → {"campaign_id": 41, "created": True}

    await notify.campaign_status(campaign_id=41)  # state, recipients, counts by outcome
    await notify.object_counts(purpose="article_published", object_key="article:9")
    await notify.follower_count(domain_ids=[3, 7])

Purposes and the names of their fields (data/templates.json; production template ids in the
setting APP_NOTIFY_TEMPLATES):
    article_published      title, department, time, note
    consultation_answered  topic, ref_no, time, note
    open_day_result        event, result (≤5 Chinese characters: 报名成功, 候补转正 …), time, note
    open_day_reminder      event, time, place, note
    application_status     title, status (≤5 Chinese characters), time, note
Values are fitted to WeChat's rules (thing ≤ 20 characters, time as 2026-05-01 10:00 in
Shanghai time, …: fields.py). Rules the fan-out keeps (fanout.py): only residents holding an
unused grant get a message; a grant serves one message, even with parallel senders; one
resident, one message per (purpose, object_key); 43101 voids the grant and is never retried;
-1, unreachable WeChat and 45011 retry with backoff; a message whose fate is unknown (its
worker died mid-request) is never sent again.
"""
