//! Charts of the study, one file per chart kind; colours and labels shared here.
//!
//! Every chart returns a [`Figure`](crate::display::Figure) (SVG): shown inline in a
//! notebook, saved to a file by the headless report. Output is deterministic.

mod revenue;
pub mod style;

pub use revenue::revenue_by_period;
