#pragma once
// Where a job gets its model: a path (loaded by the job, on its thread) or a model the caller has
// already loaded (the GUI's open model, a sweep's shared FP model). Copying a Model is shallow, so
// a loaded model is shared, never duplicated.
#include "core/model/model.h"

#include <memory>
#include <string>

namespace awb {

struct ModelSource {
    std::string path;                   // empty = the embedded default model
    std::string tokenizerPath;          // empty = found beside the model
    std::shared_ptr<const Model> loaded; // when set, path and tokenizerPath are not used
    bool keepInt4Packed = false;         // see LoadOptions::keepInt4Packed (for a path only)

    // The model; throws what loadModel throws (IoError/FormatError/ShapeError naming the file),
    // with library errors (c10, nlohmann, filesystem) turned into awb errors naming the path.
    Model load(bool requireTokenizer = true) const;
    // What a report or log line calls it.
    std::string displayPath() const;
};

} // namespace awb
