#pragma once
// HDF5 storage of AWQ results and their search history, so a search can be re-applied without
// searching again (awb quantize --apply-results) and the GUI can show why AWQ chose what it chose.
// Layout (all fp32):
//   /                      attrs: format="awb-awq-result", version, method, w_bit, group_size,
//                                 zero_point, model, calibration, calib_blocks, calib_seqlen
//   /blocks/<i>            attr seconds
//   /blocks/<i>/scales/<k> datasets scales, activation_mean, alphas, losses [grid];
//                          attrs prev_op, linears (comma-separated), best_alpha, rtn_loss
//   /blocks/<i>/clips/<linear> datasets max_val [out, groups], ratio [out, groups]
// Writes are atomic (name.tmp, then rename). Errors name the file and the HDF5 path.
#include "core/quant/awq_result.h"

#include <string>

namespace awb {

void saveAwqResult(const std::string& path, const AwqResult& result);
AwqResult loadAwqResult(const std::string& path);

} // namespace awb
