#include "core/jobs/model_source.h"

#include "core/io/model_loader.h"
#include "core/jobs/input_checks.h"

namespace awb {

Model ModelSource::load(bool requireTokenizer) const
{
    if (loaded)
        return *loaded;
    LoadOptions options;
    options.tokenizerPath = tokenizerPath;
    options.requireTokenizer = requireTokenizer;
    options.keepInt4Packed = keepInt4Packed;
    Model model;
    withErrorContext(displayPath(), [&] { model = loadModel(displayPath(), options); });
    return model;
}

std::string ModelSource::displayPath() const
{
    if (loaded)
        return loaded->sourcePath;
    return path.empty() ? defaultModelPath() : path;
}

} // namespace awb
