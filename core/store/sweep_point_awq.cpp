#include "core/store/sweep_point_awq.h"

#include "core/base/error.h"
#include "core/store/awq_result_group.h"
#include "core/store/hdf5_vetting.h"

#include <filesystem>

namespace awb {

namespace {
AwqResult readPointAwq(const std::string& storePath, const std::string& key)
{
    if (!std::filesystem::is_regular_file(storePath))
        throw IoError(storePath + ": sweep store not found");
    const std::string where = "/point/" + key;
    H5::Exception::dontPrint();
    try {
        H5::H5File file(storePath, H5F_ACC_RDONLY);
        if (!file.nameExists("point") || !file.openGroup("point").nameExists(key))
            throw ArgumentError(storePath + ": no point " + key + " in this store");
        H5::Group point = file.openGroup(where);
        if (!point.nameExists("awq"))
            throw ArgumentError(storePath + ": point " + key + " has no AWQ search (RTN points do not search)");
        return readAwqResultGroup(point.openGroup("awq"), storePath, where + "/awq");
    } catch (const H5::Exception& e) {
        throw IoError(storePath + ": cannot read " + where + "/awq: " + e.getDetailMsg());
    }
}
} // namespace

AwqResult readSweepPointAwq(const std::string& storePath, const std::string& key)
{
    return h5::readVetted(storePath, [&] { return readPointAwq(storePath, key); });
}

} // namespace awb
