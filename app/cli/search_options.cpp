#include "app/cli/search_options.h"

namespace awb::cli {

void SearchOptions::addTo(CLI::App* cmd)
{
    options = {
        cmd->add_option("--feed", feed,
                        "what each block is searched on: best (default: the whole search with fp and with quantized, keeping the "
                        "model with the lower calibration perplexity; 2x the search time), fp (llm-awq's order: the FP model's "
                        "activations), quantized (the quantized blocks' output, so later blocks compensate earlier blocks' error), "
                        "auto (per block both, kept by the block loss on held-out windows, see --auto-holdout); where each helps: "
                        "bench/RESULTS.md, Feed modes")
            ->check(CLI::IsMember({"fp", "quantized", "auto", "best"}))->capture_default_str(),
        cmd->add_option("--auto-holdout", search.autoHoldoutEvery,
                        "--feed auto: every n-th calibration window decides the feed and is not searched on; 0: all windows searched "
                        "and deciding (in-sample; measured closer to the best fixed feed than 4 with 16 blocks)")
            ->capture_default_str(),
        cmd->add_option("--scale-grid", search.scaleGrid, "alpha grid points of the scale search")->capture_default_str(),
        cmd->add_option("--scale-screen", search.scaleScreenEvery,
                        "optional approximation, off by default: rank each alpha on every n-th calibration window, and give "
                        "only alpha 0 and the --scale-keep best the loss on every window (measured: bench/RESULTS.md, "
                        "Screening alpha)"),
        cmd->add_option("--scale-keep", search.scaleScreenKeep, "--scale-screen: alphas kept for the loss on every window")
            ->capture_default_str(),
        cmd->add_option("--scaling", scaling,
                        "how a scale is made from alpha: best (default: the search with each, keeping the model with the lower "
                        "calibration perplexity; with --feed best 4x one search), activation (llm-awq: s = mean|x|^a), duo "
                        "(AutoAWQ: s = mean|x|^a / mean|w|^(1-a)); where each helps: bench/RESULTS.md, Scalings")
            ->check(CLI::IsMember({"activation", "duo", "best"}))->capture_default_str(),
        cmd->add_flag_callback("--duo-scaling", [this] { scaling = "duo"; }, "the same as --scaling duo"),
        cmd->add_flag("--clip-qk", search.clipQueryKey, "also clip-search q_proj and k_proj"),
        cmd->add_flag("--clip-qk-attention", search.clipQueryKeyByAttention,
                      "clip-search q_proj and k_proj, keeping per block the share of that clipping (0, 1/4, ..., 1) whose "
                      "attention output is closest to the FP block's"),
        cmd->add_flag("--no-clip{false}", search.searchClip, "skip the clip search")};
}

AwqOptions SearchOptions::resolved() const
{
    AwqOptions o = search;
    o.feed = feedFromName(feed);
    o.scaling = scalingFromName(scaling);
    return o;
}

} // namespace awb::cli
