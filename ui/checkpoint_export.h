#pragma once
// Export a point as an AutoAWQ GEMM checkpoint (config.json + safetensors), torch-free API.
#include <string>
#include <vector>

namespace awb {
class JobContext;
}

namespace awb::ui {

struct CheckpointRequest {
    std::string model;   // FP model; empty = embedded stories260K
    std::string method = "awq"; // awq: search on the calibration sets, then pack; rtn: round-to-nearest
    int wBit = 4;
    long long groupSize = 128;
    bool zeroPoint = true;
    std::vector<std::string> calibration{"tinystories"};
    long long calibBlocks = 8, calibSeqLen = 256;
    bool splitLongSamples = true;
    // A stored sweep's AWQ point: its stored scales and clips are re-applied exactly (no search).
    std::string storePath, pointKey;
    std::string outDir;
};

struct CheckpointResult {
    std::string outDir;
    std::vector<std::string> files;
    std::vector<std::string> warnings;
};

// Worker thread. AWQ points of a stored sweep re-apply their stored result; other AWQ points repeat
// their search (same calibration settings, deterministic) through the quantize job and write the
// folder; RTN points use the export job. The folder is replaced
// atomically: a cancelled or failed export leaves nothing at outDir. Throws awb::Error subclasses.
CheckpointResult exportCheckpoint(const CheckpointRequest& request, awb::JobContext& job);

} // namespace awb::ui
