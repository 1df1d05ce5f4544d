#include "core/base/error.h"

namespace awb {

FormatError::FormatError(const std::string& file, const std::string& field, const std::string& what)
    : Error(file + ": " + (field.empty() ? "" : field + ": ") + what), m_file(file), m_field(field)
{
}

} // namespace awb
