//! Following the store: every replica keeps one connection that `LISTEN`s on
//! [`RELOAD_CHANNEL`], which every change of the store notifies in its commit, and reloads on
//! each notification. When the database goes away, the replica keeps serving what it has, says
//! so ([`FollowState`]), and connects again after 1, 2, 4 … at most 30 seconds; once connected
//! again it reloads, since a change may have come meanwhile.

use std::sync::PoisonError;
use std::time::{Duration, SystemTime};

use kvarter_data::store::{Changes, FollowState};
use postgres::fallible_iterator::FallibleIterator as _;

use crate::{PgStore, RELOAD_CHANNEL};

/// How long a listening connection waits for a notification before it checks that the
/// database is still there (a host that vanished sends no goodbye).
const CHECK_EVERY: Duration = Duration::from_secs(5);

/// The first wait before connecting again; doubled after each failure, up to [`MAX_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(1);

/// The longest wait before connecting again.
const MAX_WAIT: Duration = Duration::from_secs(30);

/// Now, in UTC, RFC 3339 to the second.
fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}

impl PgStore {
    /// Changes the follow state with `change`.
    fn set_state(&self, change: impl FnOnce(&mut FollowState)) {
        change(&mut self.follow.lock().unwrap_or_else(PoisonError::into_inner));
    }

    /// Listens until the connection fails; returns why. Calls `changed` once listening (after
    /// a reconnection) and on every notification.
    fn listen(&self, changed: &dyn Fn(), reconnected: bool) -> String {
        let mut client = match self.connect() {
            Ok(client) => client,
            Err(error) => return crate::error_chain(&error),
        };
        if let Err(error) = client.batch_execute(&format!("LISTEN {RELOAD_CHANNEL}")) {
            return crate::error_chain(&error);
        }
        self.set_state(|state| {
            state.connected = true;
            state.since = Some(now());
            if reconnected {
                state.reconnects += 1;
            }
        });
        tracing::info!(store = %self.shown, "following the store's changes");
        if reconnected {
            changed();
        }
        loop {
            let next = client.notifications().timeout_iter(CHECK_EVERY).next();
            match next {
                Ok(Some(notification)) => {
                    tracing::info!(
                        store = %self.shown,
                        data_version = notification.payload(),
                        "the store announced a change"
                    );
                    self.set_state(|state| state.notifications += 1);
                    changed();
                }
                Ok(None) => {
                    if let Err(error) = client.simple_query("SELECT 1") {
                        return crate::error_chain(&error);
                    }
                }
                Err(error) => return crate::error_chain(&error),
            }
        }
    }
}

impl Changes for PgStore {
    fn follow(&self, changed: &dyn Fn()) {
        let mut wait = FIRST_WAIT;
        let mut reconnected = false;
        loop {
            let error = self.listen(changed, reconnected);
            let was_connected = self.state().connected;
            if was_connected {
                wait = FIRST_WAIT;
            }
            tracing::warn!(
                store = %self.shown,
                %error,
                retry_in_secs = wait.as_secs(),
                "the store cannot be reached; serving the data loaded last"
            );
            self.set_state(|state| {
                if state.connected || state.since.is_none() {
                    state.since = Some(now());
                }
                state.connected = false;
                state.last_error = Some(error);
            });
            std::thread::sleep(wait);
            wait = (wait * 2).min(MAX_WAIT);
            reconnected = true;
        }
    }

    fn state(&self) -> FollowState {
        self.follow
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}
