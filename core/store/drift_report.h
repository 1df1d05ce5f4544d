#pragma once
// The HDF5 drift report of `awb diagnose --report` (docs/report-format.md has the same layout with
// the meaning of each series). Every raw series is stored, not only summaries, so plots can be redrawn.
//   /                     attrs format="awb-drift-report", version=1, tool_version, created (UTC),
//                         fp_model, fp_model_hash, fp_dtype, q_source, q_model_hash, method, quant,
//                         calibration, calib_sources, eval_text, eval_text_hash, probe_set,
//                         probe_set_hash, total_seconds, settings (JSON of DriftSettings)
//   /summary              compound [n] {metric, value}: every headline figure (inf = no onset)
//   /gates                compound [n] {name, value, threshold, comparison, pass, fp_value}
//   /diagnosis            compound [n] {symptom, cause, next_step, gates}
//   /timings              compound [n] {stage, seconds}
//   /warnings             string [n]
//   /probe_set            section_ids [S], section_titles [S], questions [C], case_targets int64 [C]
//   /corpus               section_ranges int64 [S,2], chunk_ranges int64 [K,2] (token ranges of the
//                         concatenated corpus)
//   /cases                drift [C], lambda_lost int8 [C]
//   /fp, /q               attrs ppl, total_nll, scored_tokens, entropy_onset_block, free_onset_block
//                         (-1 = none), delta_s_null, lambda_convergent_rate
//     entropy/            teacher_forced [W, L-1] (NaN past a window's end), teacher_forced_blocks [nb],
//                         free_running [P, N], free_running_blocks [nb], free_tokens int64 [P, N]
//                         (-1 past the end), distinct4 [P], repetition int8 [P]
//     embeddings/         sections [S,d], questions [C,d], paraphrases [C,3,d], chunks [K,d]: centred
//                         by /fp/embeddings/mu [d] and unit; attr probe_set_hash
//     cases/              delta_s_q_r, delta_s_r_anchor, coverage_k, min_adjacent, anchor_gap [C],
//                         coverage [C, nk] (attr k_values), top_chunk int64 [C], ranking int64 [C, K]
//     lambda/             delta [V, C, R, steps], min_distractor [V, C, R], labels int8 [V, C, R],
//                         case_labels int8 [V, C] (0 convergent, 1 chaotic, 2 divergent, 3 recursive),
//                         final_cv [C], flips int8 [C]; attrs variants, checkpoints
//   /q/logit_drift        kl_per_position [W, L-1], kl_per_window, top1_per_window, delta_p_per_window [W]
//   /q/layer_error        rel_error float64 [blocks, linears]; attr linears
//   /calibration_sanity   attrs js_divergence, delta_s, short_share, samples, short_samples,
//                         block_length (present when a calibration set was checked)
// Written atomically: <path>.tmp, then rename. Throws IoError naming the file and the HDF5 path.
#include "core/jobs/diagnose_job.h"

#include <string>

namespace awb {

void writeDriftReport(const std::string& path, const DiagnoseResult& result);

} // namespace awb
