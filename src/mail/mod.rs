//! Email: templates (subject, text, HTML) as files per reason, rendered for
//! one recipient; the outbox (`db::outbox`) holds every message; `deliver`
//! sends what is due over SMTP (lettre) or, with no SMTP configured, writes
//! each message as an `.eml` file to `data_dir/outbox/`.

use std::path::PathBuf;

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{Message, SmtpTransport, Transport};

use crate::config::Settings;
use crate::db::{self, outbox::Mail, Db};
use crate::domain::MailStatus;
use crate::error::{AppError, AppResult};

/// Tries before a message is shown as failed.
pub const MAX_ATTEMPTS: i32 = 5;
/// How long a deliverer holds a message it is sending.
const LEASE_SECS: i64 = 300;

pub mod notice;

pub use notice::{
    DeadlineReminder, Decision, DedupeKey, Digest, EarlyWarning, Notice, Reason, Recipients,
    Rectification, Rendered, ReviewReminder,
};

/// Queue a message: the one way any part of the program sends email. It is
/// rendered now and stored in the outbox under `key`; the delivery task
/// sends it. False if a message with this key was queued before.
pub fn queue(db: &mut Db, key: &DedupeKey, to: &Recipients, notice: &Notice) -> AppResult<bool> {
    let r = notice.render()?;
    db::outbox::enqueue(
        db,
        &db::outbox::NewMail {
            dedupe_key: &key.to_string(),
            reason: notice.reason().id(),
            base_id: key.base_id(),
            recipients: &to.to.join(","),
            cc: &to.cc.join(","),
            subject: &r.subject,
            body_text: &r.text,
            body_html: &r.html,
            attachment: notice.attachment(),
        },
    )
}

/// Build the MIME message of an outbox row.
pub fn build(settings: &Settings, m: &Mail) -> AppResult<Message> {
    let bad = |e: &dyn std::fmt::Display| {
        AppError::Invalid(format!("邮件无法生成 (cannot build the message): {e}"))
    };
    let from: Mailbox = settings.mail_from.parse().map_err(|e| bad(&e))?;
    let mut b = Message::builder().from(from).subject(m.subject.clone());
    for to in m
        .recipients
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        b = b.to(to.parse().map_err(|e| bad(&e))?);
    }
    for cc in m.cc.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        b = b.cc(cc.parse().map_err(|e| bad(&e))?);
    }
    let alt = MultiPart::alternative()
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_PLAIN)
                .body(m.body_text.clone()),
        )
        .singlepart(
            SinglePart::builder()
                .header(ContentType::TEXT_HTML)
                .body(m.body_html.clone()),
        );
    let body = match &m.attachment {
        Some(png) => MultiPart::mixed().multipart(alt).singlepart(
            Attachment::new("scorecard.png".into()).body(
                png.clone(),
                ContentType::parse("image/png").map_err(|e| bad(&e))?,
            ),
        ),
        None => alt,
    };
    b.multipart(body).map_err(|e| bad(&e))
}

/// Where messages go.
pub enum Outlet {
    Smtp(SmtpTransport),
    Folder(PathBuf),
}

impl Outlet {
    pub fn from_settings(settings: &Settings) -> AppResult<Outlet> {
        match &settings.smtp_url {
            Some(url) => SmtpTransport::from_url(url)
                .map(|b| Outlet::Smtp(b.timeout(Some(std::time::Duration::from_secs(20))).build()))
                .map_err(|e| AppError::Invalid(format!("SMTP {}: {e}", db::redact(url)))),
            None => Ok(Outlet::Folder(settings.data_dir.join("outbox"))),
        }
    }

    fn send(&self, m: &Mail, msg: &Message) -> Result<(), String> {
        match self {
            Outlet::Smtp(t) => t.send(msg).map(|_| ()).map_err(|e| e.to_string()),
            Outlet::Folder(dir) => {
                std::fs::create_dir_all(dir).map_err(|e| e.to_string())?;
                let path = dir.join(format!("{:06}-{}.eml", m.id, m.reason));
                std::fs::write(&path, msg.formatted()).map_err(|e| e.to_string())
            }
        }
    }
}

/// What one delivery run did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Delivered {
    pub sent: u32,
    pub retrying: u32,
    pub failed: u32,
}

/// Send every message that is due; a failure is retried later with backoff.
pub fn deliver(db: &mut Db, settings: &Settings) -> AppResult<Delivered> {
    let outlet = Outlet::from_settings(settings)?;
    let mut d = Delivered::default();
    loop {
        let due = db::outbox::due(db, 100)?;
        if due.is_empty() {
            break;
        }
        let mut progressed = false;
        for m in due {
            if !db::outbox::claim(db, m.id, LEASE_SECS)? {
                continue; // another deliverer has it
            }
            progressed = true;
            let result = build(settings, &m)
                .map_err(|e| e.to_string())
                .and_then(|msg| outlet.send(&m, &msg));
            match result {
                Ok(()) => {
                    db::outbox::mark_sent(db, m.id)?;
                    d.sent += 1;
                }
                Err(e) => {
                    // 1, 2, 4, 8 … minutes.
                    let backoff = 60 * (1i64 << m.attempts.clamp(0, 10));
                    tracing::warn!("delivery of message {} failed: {e}", m.id);
                    match db::outbox::mark_failed(db, m.id, &e, MAX_ATTEMPTS, backoff)? {
                        MailStatus::Failed => d.failed += 1,
                        _ => d.retrying += 1,
                    }
                }
            }
        }
        if !progressed {
            break;
        }
    }
    Ok(d)
}
