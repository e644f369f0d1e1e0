//! From risk to action: the [`levers`](LEVERS) the store can act on, each customer's
//! reasons (how much each lever adds to the predicted risk) and one personalised offer,
//! the money at stake under stated assumptions, and an A/B test plan to check it.
//!
//! **One model per customer.** Every customer's probability, reasons, offer and money
//! come from the same out-of-fold model: the segmentation's fold model that did not see
//! the customer, with the typical levels of that fold's training part (and, when the
//! calibration check asks for it, the same recalibration map).
//!
//! **Reasons are a descriptive attribution.** For every lever, the customer's features of
//! that lever are set to the typical level of the customers whose activity held (the
//! median of «Прежний уровень»; for a categorical lever, its target level such as
//! «премиум») and the customer is scored again: the drop of the predicted probability is
//! how much the lever adds to this customer's risk. Levers made of more features can add
//! more; [`TopReason`] shows the same ranking with one feature moved at a time.
//!
//! **Offers are assumed effects in the features' own units** ([`LeverAssumption`]: +1
//! page per visit, −10 p. p. of promo share, …), applied only in the risk-lowering
//! direction and never past the typical level, each with its own cost. A customer's offer
//! is the allowed lever (consent respected) with the largest expected net gain, for every
//! customer whatever the risk threshold. Every number here is a **model-based scenario,
//! not a causal effect**: the model learned associations, and an offer may move a lever
//! less (or the customer differently) than the scenario assumes; the A/B test plan, sized
//! for the break-even drop, is how to find out.
//!
//! | file | owns |
//! |---|---|
//! | `levers.rs` | the catalogue [`LEVERS`] |
//! | `whatif.rs` | typical levels, the what-if scoring ([`what_if`]) |
//! | `unseen.rs` | one customer with the fold model that did not see them ([`Unseen`]) |
//! | `choice.rs` | one customer: reasons, allowed offers with their net gains, the chosen offer |
//! | `plan.rs` | every customer from their own fold model, money, segments → [`OfferPlan`] |
//! | `options.rs` | [`OfferOptions`], [`LeverAssumption`]: every assumption, checked |
//! | `ab.rs` | two-proportion sample size, Fisher's exact power, the A/B plan and its analysis |

mod ab;
mod choice;
mod levers;
mod plan;
mod tables;
mod unseen;
mod whatif;

mod options;

pub use ab::{
    AbTest, Analysis, Group, fisher_exact_power, minimum_detectable_effect, sample_size_per_arm,
};
pub(crate) use choice::pricing;
pub use choice::{Decision, decide, money_at_stake};
pub use levers::{LEVERS, Lever, lever};
pub use options::{FeatureEffect, LeverAssumption, OfferOptions};
pub use plan::{
    Candidate, CustomerOffer, LeverCount, Money, OfferPlan, Reason, SegmentMoney, Sensitivity,
    TopReason,
};
pub use unseen::Unseen;
pub(crate) use whatif::consent;
pub use whatif::{Typical, TypicalValue, WhatIf, single_features, what_if, what_if_matrix};
