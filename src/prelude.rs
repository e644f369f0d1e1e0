//! What a notebook needs: `use oneclick::prelude::*;`.

pub use crate::calibration::{self, Calibration, PlattMap};
pub use crate::campaign::{self, CampaignOptions, CampaignRun};
pub use crate::causal::{self, Answers, CausalOutcomeOptions};
pub use crate::checked::{Check, Checked};
pub use crate::clean::{Cleaned, CleaningOptions, CleaningReport, Rule};
pub use crate::corr::{PhikMatrix, PhikOptions, Significance};
pub use crate::data::{Data, DataDir, FileFormat, FileInfo, RawData, Source};
pub use crate::display::{Figure, FrameDisplay, Table, ToTable};
pub use crate::eda::{
    compare_classes, decline_rate_by, describe, duplicate_summary, largest, missing_values,
    rows_of_customers, value_counts,
};
pub use crate::error::{Error, Result};
pub use crate::evaluate::{self, Campaign, CampaignPlan, Decision, Design, EvaluateOptions};
pub use crate::explain::{
    self, Explanation, ImportanceOptions, PermutationImportance, ShapOptions,
};
pub use crate::labels::{self, Noun};
pub use crate::learn::{self, LearnOptions, Learned, LeverEffects};
pub use crate::merge::ModelTable;
pub use crate::metrics::{Confusion, roc_auc};
pub use crate::model::{
    Classifier, Family, Fit, FittedModel, FittedPipeline, Kernel, Model, Pipeline, Scaler,
};
pub use crate::monitor::{self, MonitorOptions, Monitoring};
pub use crate::offers::{self, OfferOptions, OfferPlan, Unseen};
pub use crate::params::{LaunchOptions, Parameters};
pub use crate::plot;
pub use crate::polars;
pub use crate::println_ru;
pub use crate::progress::Progress;
pub use crate::schema::{self, FeatureGroup, FileId};
pub use crate::score::SavedModel;
pub use crate::search::{self, ModelSelection, SearchOptions, SelectionOptions};
pub use crate::segment::{Segment, SegmentKind, SegmentOptions, Segmentation, Thresholds};
pub use crate::study::{Study, StudyOptions};
pub use crate::synth::{self, Drift, OutcomeOptions, SynthOptions};
pub use crate::{frame, stats};
pub use polars::prelude::{
    ChunkCompareEq, ChunkCompareIneq, Column, DataFrame, DataType, IntoColumn, NamedFrom, Series,
    SortMultipleOptions, df,
};
