"""The shared foundations of invitations and resets: SMTP delivery and single-use tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from tests.smtp import body_text, smtp_server  # noqa: F401  (fixture)
from zi_assess.auth import tokens
from zi_assess.extensions import db
from zi_assess.mail import MailError, send_mail
from zi_assess.models import AccountToken
from zi_assess.models.base import utcnow


def test_a_message_reaches_a_real_smtp_server(app, smtp_server):  # noqa: F811
    app.config.update(smtp_server.config)
    assert send_mail("siti@unit.go.id", "Undangan zi-assess", "Halo Siti,\nsilakan atur kata sandi.",
                     to_name="Siti Aminah") is True
    (message,) = smtp_server.messages
    assert message["To"] == "Siti Aminah <siti@unit.go.id>"
    assert message["From"] == "zi-assess <no-reply@zi.test>"
    assert message["Subject"] == "Undangan zi-assess"
    assert "silakan atur kata sandi" in body_text(message)


def test_without_a_server_the_message_is_only_logged(app, caplog):
    app.config["MAIL_SERVER"] = None
    with caplog.at_level("INFO", logger="zi_assess.mail"):
        assert send_mail("a@b.id", "Subjek", "isi") is False
    assert "ZI_MAIL_SERVER unset" in caplog.text


def test_an_unreachable_server_raises_mail_error(app):
    from tests.smtp import _free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    with pytest.raises(MailError):
        send_mail("a@b.id", "Subjek", "isi")


def test_a_token_is_stored_hashed_and_works_once(app, make_user):
    user = make_user()
    token = tokens.issue(user, "reset")
    db.session.commit()
    row = db.session.scalar(select(AccountToken))
    assert token not in (row.token_hash,) and len(row.token_hash) == 64
    assert tokens.peek(token, "reset") == user
    assert tokens.consume(token, "invite") is None  # another purpose
    assert tokens.consume(token, "reset") == user
    db.session.commit()
    assert tokens.consume(token, "reset") is None
    assert tokens.peek(token, "reset") is None


def test_a_new_token_retires_the_older_one(app, make_user):
    user = make_user()
    first = tokens.issue(user, "invite")
    second = tokens.issue(user, "invite")
    db.session.commit()
    assert tokens.consume(first, "invite") is None
    assert tokens.consume(second, "invite") == user


def test_expired_tokens_and_inactive_users_are_refused(app, make_user):
    user = make_user()
    token = tokens.issue(user, "reset")
    db.session.execute(update(AccountToken).values(expires_at=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert tokens.consume(token, "reset") is None
    fresh = tokens.issue(user, "reset")
    user.is_active = False
    db.session.commit()
    assert tokens.consume(fresh, "reset") is None
    assert tokens.consume("", "reset") is None and tokens.consume("x" * 500, "reset") is None
    with pytest.raises(ValueError):
        tokens.issue(user, "login")
