//! Simulated time. Every timestamp the emulator shows and every status transition is computed
//! from this clock, never from a background ticker, so a batch advances correctly across
//! restarts and tests can jump to any moment deterministically.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// Simulated seconds per real second used by [`Clock::system`] callers that have no opinion
/// (the CLI's default): with the default [`crate::Timing`] a small batch goes
/// `validating -> in_progress -> finalizing -> completed` in about three real seconds.
pub const DEFAULT_SPEED: f64 = 60.0;

/// A shared, cloneable clock. Clones observe and move the same time.
#[derive(Debug, Clone)]
pub struct Clock {
    inner: Arc<Inner>,
}

#[derive(Debug)]
enum Inner {
    /// `sim = anchor.sim_ms + (real - anchor.real_ms) * speed`, never going backwards.
    System { speed: f64, anchor: Mutex<Anchor>, last_ms: AtomicI64 },
    /// Time moves only when the test says so.
    Manual { now_ms: AtomicI64 },
}

/// The point where simulated and real time were tied together (Unix milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Anchor {
    pub real_ms: i64,
    pub sim_ms: i64,
    pub speed: f64,
}

impl Clock {
    /// Real time sped up by `speed` (simulated seconds per real second), starting at the real
    /// current time. A non-finite or non-positive speed is treated as 1.
    pub fn system(speed: f64) -> Clock {
        let speed = if speed.is_finite() && speed > 0.0 { speed } else { 1.0 };
        let now = real_now_ms();
        Clock {
            inner: Arc::new(Inner::System {
                speed,
                anchor: Mutex::new(Anchor { real_ms: now, sim_ms: now, speed }),
                last_ms: AtomicI64::new(now),
            }),
        }
    }

    /// A virtual clock for tests, starting at `start_unix` (seconds) and moved only by
    /// [`Clock::advance`] and [`Clock::set`].
    pub fn manual(start_unix: i64) -> Clock {
        Clock {
            inner: Arc::new(Inner::Manual {
                now_ms: AtomicI64::new(start_unix.saturating_mul(1000)),
            }),
        }
    }

    /// The current simulated time in Unix seconds.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }

    /// The current simulated time in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        match &*self.inner {
            Inner::Manual { now_ms } => now_ms.load(Ordering::SeqCst),
            Inner::System { anchor, last_ms, .. } => {
                let a = *anchor.lock().unwrap_or_else(|e| e.into_inner());
                let computed = sim_at(&a, real_now_ms());
                // Never go backwards, even if the wall clock does.
                let prev = last_ms.fetch_max(computed, Ordering::SeqCst);
                prev.max(computed)
            }
        }
    }

    /// Move simulated time forward by `seconds` (fractions allowed; negative values are
    /// ignored). On a system clock this shifts the clock ahead permanently.
    pub fn advance(&self, seconds: f64) {
        if !(seconds.is_finite() && seconds > 0.0) {
            return;
        }
        let delta = (seconds * 1000.0).round() as i64;
        match &*self.inner {
            Inner::Manual { now_ms } => {
                now_ms.fetch_add(delta, Ordering::SeqCst);
            }
            Inner::System { anchor, .. } => {
                let mut a = anchor.lock().unwrap_or_else(|e| e.into_inner());
                a.sim_ms = a.sim_ms.saturating_add(delta);
            }
        }
    }

    /// Set a manual clock to `unix` seconds if that is not in its past. No effect on a
    /// system clock.
    pub fn set(&self, unix: i64) {
        if let Inner::Manual { now_ms } = &*self.inner {
            now_ms.fetch_max(unix.saturating_mul(1000), Ordering::SeqCst);
        }
    }

    /// The speed factor: `None` for a manual clock.
    pub fn speed(&self) -> Option<f64> {
        match &*self.inner {
            Inner::System { speed, .. } => Some(*speed),
            Inner::Manual { .. } => None,
        }
    }

    /// The anchor to persist so the next start continues from the same simulated time
    /// (`None` for manual clocks, which tests carry across restarts themselves).
    pub(crate) fn anchor(&self) -> Option<Anchor> {
        match &*self.inner {
            Inner::System { anchor, .. } => Some(*anchor.lock().unwrap_or_else(|e| e.into_inner())),
            Inner::Manual { .. } => None,
        }
    }

    /// Continue from a persisted anchor: simulated time resumes where the previous run's
    /// clock would be now (time kept passing while the emulator was down, at the previous
    /// run's speed), plus any [`Clock::advance`] made before start, and runs on at this
    /// clock's speed. A slow clock stays behind real time: batches slowed down to a near
    /// standstill (a speed of 0.001, as tests use) stay where they are across restarts.
    pub(crate) fn resume_from(&self, saved: &Anchor) {
        if let Inner::System { speed, anchor, last_ms } = &*self.inner {
            let real = real_now_ms();
            let mut a = anchor.lock().unwrap_or_else(|e| e.into_inner());
            let advanced = (a.sim_ms - a.real_ms).max(0);
            let sim = sim_at(saved, real).saturating_add(advanced);
            *a = Anchor { real_ms: real, sim_ms: sim, speed: *speed };
            last_ms.store(sim, Ordering::SeqCst);
        }
    }
}

fn sim_at(a: &Anchor, real_ms: i64) -> i64 {
    let elapsed = (real_ms - a.real_ms) as f64 * a.speed;
    a.sim_ms.saturating_add(elapsed as i64)
}

fn real_now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let c = Clock::manual(1_700_000_000);
        assert_eq!(c.now(), 1_700_000_000);
        let c2 = c.clone();
        c2.advance(1.5);
        assert_eq!(c.now_ms(), 1_700_000_001_500);
        c.advance(-10.0);
        assert_eq!(c.now_ms(), 1_700_000_001_500);
        c.set(1_600_000_000);
        assert_eq!(c.now(), 1_700_000_001, "set never goes back");
        c.set(1_800_000_000);
        assert_eq!(c.now(), 1_800_000_000);
    }

    #[test]
    fn system_clock_runs_at_its_speed_and_resumes_ahead() {
        let c = Clock::system(1000.0);
        let t0 = c.now_ms();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let t1 = c.now_ms();
        assert!(t1 - t0 >= 15_000, "1000x speed: {} ms simulated", t1 - t0);
        // A saved anchor one simulated day ahead of real time carries over.
        let saved =
            Anchor { real_ms: real_now_ms(), sim_ms: real_now_ms() + 86_400_000, speed: 1.0 };
        let d = Clock::system(1.0);
        d.resume_from(&saved);
        assert!(d.now_ms() >= real_now_ms() + 86_399_000);
    }

    #[test]
    fn a_slow_clock_stays_slow_across_restarts() {
        // The previous run, at 0.001x, stopped 10 real seconds ago an hour behind real time:
        // 10 ms of simulated time have passed since, not 10 s or an hour.
        let now = real_now_ms();
        let saved = Anchor { real_ms: now - 10_000, sim_ms: now - 3_600_000, speed: 0.001 };
        let c = Clock::system(0.001);
        c.resume_from(&saved);
        let sim = c.now_ms();
        assert!(sim >= now - 3_600_000 + 10, "{}", sim - (now - 3_600_000));
        assert!(sim < now - 3_600_000 + 1_000, "{} ms simulated", sim - (now - 3_600_000));
    }

    #[test]
    fn an_advance_before_start_moves_the_resumed_clock_ahead() {
        let now = real_now_ms();
        let saved = Anchor { real_ms: now, sim_ms: now - 50_000, speed: 1.0 };
        let c = Clock::system(1.0);
        c.advance(100.0);
        c.resume_from(&saved);
        let ahead = c.now_ms() - (now - 50_000);
        assert!((100_000..110_000).contains(&ahead), "{ahead} ms ahead of the saved time");
    }
}
