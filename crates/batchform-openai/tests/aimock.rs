//! The same provider suite against a third-party server, `@copilotkit/aimock` (installed by
//! `.ci/run` into the repository's `node_modules`). It differs from our emulator in ways a
//! real client meets: batches advance one step per read, ids look like `batch-...`, a cancel
//! of a finished batch is a 400 (not a 409), files have no `expires_at`, many fields are
//! absent rather than null. Without aimock installed these tests fail, unless
//! `BATCHFORM_SKIP_AIMOCK=1` is set to skip them explicitly.

mod common;
mod suite;

use common::*;

macro_rules! shared {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test]
        async fn $name() {
            let Some(h) = Harness::aimock_with(Options { page_sizes: Some(suite::small_pages()), ..Options::default() }).await else {
                return;
            };
            suite::$name(&h).await;
        }
    )*};
}

shared!(
    life_of_a_batch,
    cancel,
    drift_by_404,
    import,
    pagination,
    edits_plan_replacements,
    errors_are_clear,
    model_is_checked,
);
