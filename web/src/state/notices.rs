//! The messages above the workspace: what a link, a lesson or an import did, and errors.

use super::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeLevel {
    Info,
    Error,
}

/// A notice to show; the reducer gives it its id.
#[derive(Clone, Debug, PartialEq)]
pub struct NewNotice {
    pub level: NoticeLevel,
    pub text: String,
    /// A notice about a replaced workspace offers to bring the previous one back.
    pub offers_restore: bool,
}

impl NewNotice {
    pub fn info(text: impl Into<String>) -> NewNotice {
        NewNotice {
            level: NoticeLevel::Info,
            text: text.into(),
            offers_restore: false,
        }
    }

    pub fn error(text: impl Into<String>) -> NewNotice {
        NewNotice {
            level: NoticeLevel::Error,
            ..NewNotice::info(text)
        }
    }

    /// The same notice, offering to restore the previous work when `kept` (it was stored).
    pub fn offering_restore(self, kept: bool) -> NewNotice {
        NewNotice {
            offers_restore: kept,
            ..self
        }
    }
}

/// A notice on screen.
#[derive(Clone, Debug, PartialEq)]
pub struct Notice {
    pub id: u64,
    pub level: NoticeLevel,
    pub text: String,
    pub offers_restore: bool,
}

impl AppState {
    pub(super) fn notify(&mut self, notice: NewNotice) {
        let NewNotice {
            level,
            text,
            offers_restore,
        } = notice;
        // One restore offer at a time: the newest replaced workspace is the one kept.
        if offers_restore {
            self.notices.retain(|n| !n.offers_restore);
        }
        self.notices.retain(|n| n.text != text);
        self.notices.push(Notice {
            id: self.next_notice,
            level,
            text,
            offers_restore,
        });
        self.next_notice += 1;
    }
}
