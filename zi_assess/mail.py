"""Sending e-mail over SMTP (the standard library's smtplib; no extension needed).

One function, :func:`send_mail`, used by invitations, password resets and notifications.
Settings: ``ZI_MAIL_SERVER`` (unset: messages are only logged, as in development),
``ZI_MAIL_PORT``, ``ZI_MAIL_USE_TLS`` (STARTTLS), ``ZI_MAIL_USE_SSL``, ``ZI_MAIL_USERNAME``,
``ZI_MAIL_PASSWORD``, ``ZI_MAIL_FROM`` and ``ZI_MAIL_TIMEOUT`` (seconds). A failure to deliver
raises :class:`MailError`; callers that must not fail (a notification after a commit) catch it
and log it.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Any

from flask import current_app

log = logging.getLogger(__name__)


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    use_tls: bool
    use_ssl: bool
    username: str | None
    password: str | None
    sender: str
    timeout: float

    @classmethod
    def from_config(cls, config: Any) -> MailSettings:
        return cls(
            server=config.get("MAIL_SERVER") or None,
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_FROM") or "zi-assess <no-reply@localhost>",
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
        )


def build_message(sender: str, to: str, subject: str, text: str, html: str | None = None,
                  *, to_name: str | None = None) -> EmailMessage:
    """A plain-text message (with an HTML alternative when given)."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = formataddr((to_name, to)) if to_name else to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1].strip("> ") or None)
    message.set_content(text)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_mail(to: str, subject: str, text: str, html: str | None = None, *, to_name: str | None = None) -> bool:
    """Send one message now. Returns False when no SMTP server is configured (the message is logged).

    Raises :class:`MailError` when the server refuses it or cannot be reached.
    """
    settings = MailSettings.from_config(current_app.config)
    message = build_message(settings.sender, to, subject, text, html, to_name=to_name)
    if settings.server is None:
        log.info("mail not sent (ZI_MAIL_SERVER unset): to=%s subject=%s", to, subject)
        return False
    try:
        smtp_class = smtplib.SMTP_SSL if settings.use_ssl else smtplib.SMTP
        with smtp_class(settings.server, settings.port, timeout=settings.timeout) as smtp:
            if settings.use_tls and not settings.use_ssl:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username:
                smtp.login(settings.username, settings.password or "")
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as error:
        raise MailError(f"could not send mail to {to}: {error}") from error
    return True


def send_later(to: str, subject: str, text: str, *, to_name: str | None = None) -> None:
    """Send one message outside the request: an RQ job (``ZI_REDIS_URL`` set, run by ``zi-assess
    worker``) or else a background thread. Call it after the commit: the message never speaks of
    something that was rolled back, and the response does not wait for the SMTP server (a
    password-reset answer takes as long for an unknown address as for a known one). A failure is
    logged, never raised.
    """
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if not app.config.get("MAIL_SERVER"):
        send_mail(to, subject, text, to_name=to_name)  # only logged: nothing to wait for
        return
    if app.config.get("REDIS_URL"):
        from rq import Queue

        from zi_assess.extensions import redis_client

        Queue(app.config["REPORT_QUEUE"], connection=redis_client()).enqueue_call(
            deliver, args=(to, subject, text, to_name), result_ttl=0, failure_ttl=7 * 86400,
            description=f"mail to {to}")
        return
    import threading

    def run() -> None:
        with app.app_context():
            deliver(to, subject, text, to_name)

    thread = threading.Thread(target=run, name="zi-mail", daemon=True)
    thread.start()
    _THREADS.append(thread)
    del _THREADS[:-20]


#: the last background senders (tests wait for them)
_THREADS: list[Any] = []
_WORKER_APP: Any = None


def deliver(to: str, subject: str, text: str, to_name: str | None = None) -> None:
    """Job body of :func:`send_later` (also the RQ entry point: it makes an app when there is none)."""
    from flask import has_app_context

    if not has_app_context():  # an RQ worker: the app of this process, made once
        global _WORKER_APP
        if _WORKER_APP is None:
            from zi_assess import create_app

            _WORKER_APP = create_app()
        with _WORKER_APP.app_context():
            deliver(to, subject, text, to_name)
        return
    try:
        send_mail(to, subject, text, to_name=to_name)
    except MailError:
        log.exception("mail to %s not delivered", to)


def wait_for_background_mail(timeout: float = 10) -> None:
    """Wait until the background senders started so far are done (tests, CLI commands)."""
    for thread in list(_THREADS):
        thread.join(timeout)
