"""Sending e-mail behind one small interface.

The portal only needs to send plain-text messages (verification links, "your question
was answered"). ``Mailer`` is that interface; ``MemoryMailer`` keeps messages for tests,
``FileMailer`` writes each message as an ``.eml`` file (the demo's mailbox) and
``SmtpMailer`` sends through an SMTP server with the standard library.

>>> box = MemoryMailer()
>>> box.send(to="a@example.org", subject="Hello", body="Link: https://x/verify?t=1")
>>> box.messages[0]["To"], box.last_link("a@example.org")
('a@example.org', 'https://x/verify?t=1')
"""

from __future__ import annotations

import re
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Protocol

from opencustoms.errors import Unavailable


class Mailer(Protocol):
    def send(self, *, to: str, subject: str, body: str) -> None: ...


def build_message(*, sender: str, to: str, subject: str, body: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rsplit("@", 1)[-1] or None)
    msg.set_content(body)  # UTF-8; Korean text survives
    return msg


class MemoryMailer:
    def __init__(self, sender: str = "no-reply@customs.example") -> None:
        self.sender = sender
        self.messages: list[EmailMessage] = []

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.messages.append(build_message(sender=self.sender, to=to, subject=subject, body=body))

    def last_link(self, to: str) -> str | None:
        """The last URL sent to ``to`` (what a person would click)."""
        for msg in reversed(self.messages):
            if msg["To"] == to:
                found = re.findall(r"https?://\S+", msg.get_content())
                if found:
                    return str(found[-1])
        return None


class FileMailer:
    """Each message becomes ``<dir>/<n>.eml`` (readable with any mail client)."""

    def __init__(self, directory: Path, sender: str = "no-reply@customs.example") -> None:
        self.directory = Path(directory)
        self.sender = sender

    def send(self, *, to: str, subject: str, body: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        n = len(list(self.directory.glob("*.eml"))) + 1
        msg = build_message(sender=self.sender, to=to, subject=subject, body=body)
        (self.directory / f"{n:06d}.eml").write_bytes(msg.as_bytes())


class SmtpMailer:
    """SMTP with STARTTLS (port 587) or implicit TLS (465); login when a user is set."""

    def __init__(
        self,
        *,
        host: str,
        port: int = 587,
        sender: str,
        username: str = "",
        password: str = "",
        tls: str = "starttls",  # starttls | ssl | none (only for a local relay)
        timeout: float = 10.0,
    ) -> None:
        self.host, self.port, self.sender = host, port, sender
        self.username, self.password, self.tls, self.timeout = username, password, tls, timeout

    def send(self, *, to: str, subject: str, body: str) -> None:
        msg = build_message(sender=self.sender, to=to, subject=subject, body=body)
        context = ssl.create_default_context()
        try:
            if self.tls == "ssl":
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    self.host, self.port, timeout=self.timeout, context=context
                )
            else:
                server = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with server:
                if self.tls == "starttls":
                    server.starttls(context=context)
                if self.username:
                    server.login(self.username, self.password)
                server.send_message(msg)
        except (OSError, smtplib.SMTPException) as exc:
            raise Unavailable(f"mail: cannot send through {self.host}:{self.port}: {exc}") from exc


def mailer_from_settings() -> Mailer:
    """SMTP when ``OPENCUSTOMS_SMTP_HOST`` is set, else ``.eml`` files under var/mail."""
    from opencustoms.settings import get_settings

    s = get_settings()
    if s.smtp_host:
        return SmtpMailer(
            host=s.smtp_host,
            port=s.smtp_port,
            sender=s.mail_sender,
            username=s.smtp_user,
            password=s.smtp_password,
            tls=s.smtp_tls,
        )
    return FileMailer(s.var_dir / "mail", sender=s.mail_sender)
