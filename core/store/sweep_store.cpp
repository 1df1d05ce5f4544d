#include "core/store/sweep_store.h"

#include "core/base/atomic_file.h"
#include "core/base/checked_math.h"
#include "core/base/error.h"
#include "core/base/json_file.h"
#include "core/store/awq_result_group.h"
#include "core/store/drift_groups.h"
#include "core/store/hdf5_util.h"
#include "core/store/hdf5_vetting.h"
#include "core/store/stored_sweep.h"

#include <H5Cpp.h>
#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <limits>
#include <map>
#include <sys/file.h>
#include <unistd.h>

namespace awb {

namespace {
namespace fs = std::filesystem;
using namespace h5;
constexpr int kVersion = 1;
constexpr const char* kFormat = "awb-sweep-store";

// /points rows in memory: 7 fixed fields (int64 or char*, 8 bytes each), then the metric doubles.
constexpr size_t kFixedFields = 7;
constexpr hsize_t kChunkRows = 16; // rows per chunk of /points
size_t rowBytes(size_t columns) { return kFixedFields * 8 + columns * sizeof(double); }

H5::CompType rowType(const std::vector<std::string>& columns)
{
    H5::CompType t(rowBytes(columns.size()));
    const H5::StrType str = utf8String();
    t.insertMember("index", 0, H5::PredType::NATIVE_INT64);
    t.insertMember("key", 8, str);
    t.insertMember("method", 16, str);
    t.insertMember("w_bit", 24, H5::PredType::NATIVE_INT64);
    t.insertMember("group_size", 32, H5::PredType::NATIVE_INT64);
    t.insertMember("zero_point", 40, H5::PredType::NATIVE_INT64);
    t.insertMember("calibration", 48, str);
    for (size_t c = 0; c < columns.size(); ++c)
        t.insertMember(columns[c], kFixedFields * 8 + c * sizeof(double), H5::PredType::NATIVE_DOUBLE);
    return t;
}

void packRow(const SweepRow& r, unsigned char* out)
{
    const int64_t ints[] = {r.index, r.quant.wBit, r.quant.groupSize, r.quant.zeroPoint ? 1 : 0};
    const char* strs[] = {r.key.c_str(), r.method.c_str(), r.calibration.c_str()};
    std::memcpy(out, &ints[0], 8);
    std::memcpy(out + 8, &strs[0], 8);
    std::memcpy(out + 16, &strs[1], 8);
    std::memcpy(out + 24, &ints[1], 8);
    std::memcpy(out + 32, &ints[2], 8);
    std::memcpy(out + 40, &ints[3], 8);
    std::memcpy(out + 48, &strs[2], 8);
    std::memcpy(out + kFixedFields * 8, r.values.data(), r.values.size() * sizeof(double));
}

SweepRow unpackRow(const unsigned char* in, size_t columns)
{
    SweepRow r;
    int64_t ints[4];
    const char* strs[3];
    std::memcpy(&ints[0], in, 8);
    std::memcpy(&strs[0], in + 8, 8);
    std::memcpy(&strs[1], in + 16, 8);
    std::memcpy(&ints[1], in + 24, 8);
    std::memcpy(&ints[2], in + 32, 8);
    std::memcpy(&ints[3], in + 40, 8);
    std::memcpy(&strs[2], in + 48, 8);
    r.index = ints[0];
    r.key = strs[0] ? strs[0] : "";
    r.method = strs[1] ? strs[1] : "";
    r.calibration = strs[2] ? strs[2] : "";
    r.quant = QuantConfig{static_cast<int>(ints[1]), ints[2], ints[3] != 0};
    r.values.resize(columns);
    std::memcpy(r.values.data(), in + kFixedFields * 8, columns * sizeof(double));
    return r;
}

void writeHeader(H5::Group& root, const SweepStoreHeader& h)
{
    writeAttr(root, "format", std::string(kFormat));
    writeAttr(root, "version", static_cast<double>(kVersion));
    writeAttr(root, "plan", h.plan.dump());
    writeAttr(root, "plan_hash", h.planHash);
    writeAttr(root, "planned_points", static_cast<double>(h.plannedPoints));
    writeAttr(root, "tool_version", h.toolVersion);
    writeAttr(root, "created", h.created);
    writeAttr(root, "fp_model", h.fpModel);
    writeAttr(root, "eval_text", h.evalText);
    writeAttr(root, "probe_set", h.probeSet);
}

// An empty, extendable /points table (chunks of kChunkRows rows).
void createPointsTable(H5::Group& root, const std::vector<std::string>& columns)
{
    hsize_t zero = 0, unlimited = H5S_UNLIMITED, chunk = kChunkRows;
    H5::DSetCreatPropList props;
    props.setChunk(1, &chunk);
    H5::DataSet ds = root.createDataSet("points", rowType(columns), H5::DataSpace(1, &zero, &unlimited), props);
    writeAttr(ds, "columns", nlohmann::json(columns).dump());
    root.createGroup("point");
}

// The rows of the points table: a 1-D extent the file's storage can back (a hostile rank-2 extent
// would otherwise be written into one hsize_t, and a huge one allocated).
hsize_t pointRows(const H5::DataSet& ds)
{
    const std::vector<hsize_t> dims = checkedDims(ds, "points");
    if (dims.size() != 1)
        throw H5::DataSetIException("points", "the points table must be 1-D, not of rank " + std::to_string(dims.size()));
    return dims[0];
}

void appendRows(H5::H5File& file, const std::vector<std::string>& columns, const std::vector<SweepRow>& rows)
{
    if (rows.empty())
        return;
    H5::DataSet ds = file.openDataSet("points");
    const hsize_t n = pointRows(ds);
    hsize_t total = n + rows.size(), count = rows.size();
    ds.extend(&total);
    H5::DataSpace fileSpace = ds.getSpace();
    fileSpace.selectHyperslab(H5S_SELECT_SET, &count, &n);
    std::vector<unsigned char> buffer(rows.size() * rowBytes(columns.size()));
    for (size_t i = 0; i < rows.size(); ++i)
        packRow(rows[i], buffer.data() + i * rowBytes(columns.size()));
    ds.write(buffer.data(), rowType(columns), H5::DataSpace(1, &count), fileSpace);
}

SweepStoreHeader readHeader(const H5::H5File& file, const std::string& path)
{
    H5::Group root = file.openGroup("/");
    if (!root.attrExists("format") || readStringAttr(root, "format") != kFormat)
        throw FormatError(path, "/format", "not an AWQ Workbench sweep store");
    if (readDoubleAttr(root, "version") > kVersion)
        throw FormatError(path, "/version", "written by a newer AWQ Workbench");
    SweepStoreHeader h;
    h.plan = nlohmann::json::parse(readStringAttr(root, "plan"));
    h.planHash = readStringAttr(root, "plan_hash");
    h.plannedPoints = readWholeAttr(root, "planned_points", 0, int64_t(1) << 40);
    h.toolVersion = readStringAttr(root, "tool_version");
    h.created = readStringAttr(root, "created");
    h.fpModel = readStringAttr(root, "fp_model");
    h.evalText = readStringAttr(root, "eval_text");
    h.probeSet = readStringAttr(root, "probe_set");
    H5::DataSet ds = file.openDataSet("points");
    h.columns = nlohmann::json::parse(readStringAttr(ds, "columns")).get<std::vector<std::string>>();
    return h;
}

std::vector<SweepRow> readRows(const H5::H5File& file, const std::vector<std::string>& columns)
{
    H5::DataSet ds = file.openDataSet("points");
    const hsize_t n = pointRows(ds);
    std::vector<SweepRow> rows;
    if (n == 0)
        return rows;
    // Before allocating n rows: the columns attribute must describe the table, and the rows must be
    // backed by stored bytes (a row in memory is no larger than in the file; the last chunk may be
    // unwritten when a sweep was killed between extending the table and writing its rows).
    const size_t members = static_cast<size_t>(ds.getCompType().getNmembers());
    if (members != kFixedFields + columns.size())
        throw H5::DataSetIException("points", "the columns attribute lists " + std::to_string(columns.size()) +
                                                  " columns, the table has " + std::to_string(members) + " fields");
    hsize_t backed = 0;
    if (n > kChunkRows && (!checkedMul<hsize_t>(n - kChunkRows, rowBytes(columns.size()), backed) || backed > ds.getStorageSize()))
        throw H5::DataSetIException("points", "declares " + std::to_string(n) + " rows but the file holds " +
                                                  std::to_string(ds.getStorageSize()) + " bytes for them");
    const H5::CompType type = rowType(columns);
    std::vector<unsigned char> buffer(n * rowBytes(columns.size()));
    ds.read(buffer.data(), type);
    for (hsize_t i = 0; i < n; ++i)
        rows.push_back(unpackRow(buffer.data() + i * rowBytes(columns.size()), columns.size()));
    H5::DataSpace space(1, &n);
    H5::DataSet::vlenReclaim(buffer.data(), type, space);
    return rows;
}

void writePoint(H5::H5File& file, const SweepPointRecord& rec, std::string& where)
{
    const SweepRow& r = rec.row;
    where = "/point/" + r.key;
    H5::Group g = file.createGroup(where);
    writeAttr(g, "index", static_cast<double>(r.index));
    writeAttr(g, "method", r.method);
    writeAttr(g, "w_bit", static_cast<double>(r.quant.wBit));
    writeAttr(g, "group_size", static_cast<double>(r.quant.groupSize));
    writeAttr(g, "zero_point", r.quant.zeroPoint ? 1.0 : 0.0);
    writeAttr(g, "calibration", r.calibration);
    writeAttr(g, "calibration_summary", rec.calibrationSummary);
    writeModelSeries(g.createGroup("q"), rec.drift->q, *rec.reference, where);
    where = "/point/" + r.key + "/logit_drift";
    writeLogitDrift(g.createGroup("logit_drift"), *rec.drift);
    where = "/point/" + r.key + "/layer_error";
    writeLayerError(g.createGroup("layer_error"), *rec.layerError);
    where = "/point/" + r.key + "/gates";
    writeGatesAndDiagnosis(g, *rec.drift);
    writeTimings(g, "timings", rec.seconds);
    writeStrings(g, "warnings", rec.warnings);
    if (!rec.drift->caseDrift.empty()) { // the drift report's /cases, per point
        where = "/point/" + r.key + "/cases";
        H5::Group c = g.createGroup("cases");
        writeDoubles(c, "drift", rec.drift->caseDrift);
        writeTensor(c, "lambda_lost", flagTensor(rec.drift->lambdaLost));
    }
    if (rec.awq) {
        where = "/point/" + r.key + "/awq";
        H5::Group a = g.createGroup("awq");
        writeAwqResultGroup(a, *rec.awq);
    }
}

// A temporary sibling of the store, removed unless committed.
struct TempCopy {
    std::string path;
    bool committed = false;
    ~TempCopy()
    {
        if (!committed)
            std::remove(path.c_str());
    }
};
} // namespace

double SweepStoreContents::value(const SweepRow& row, const std::string& column) const
{
    const auto it = std::find(header.columns.begin(), header.columns.end(), column);
    if (it == header.columns.end())
        return std::numeric_limits<double>::quiet_NaN();
    return row.values[static_cast<size_t>(it - header.columns.begin())];
}

namespace {
SweepStoreContents readSweepStoreFile(const std::string& path)
{
    if (!fs::is_regular_file(path))
        throw IoError(path + ": sweep store not found");
    std::string where = "/";
    return guardedHdf5(path, "read the sweep store", where, [&] {
        H5::H5File file(path, H5F_ACC_RDONLY);
        SweepStoreContents c;
        c.path = path;
        c.header = readHeader(file, path);
        where = "/points";
        c.rows = readRows(file, c.header.columns);
        std::sort(c.rows.begin(), c.rows.end(), [](const SweepRow& a, const SweepRow& b) { return a.index < b.index; });
        return c;
    });
}
} // namespace

SweepStoreContents readSweepStore(const std::string& path)
{
    return readVetted(path, [&] { return readSweepStoreFile(path); });
}

std::set<std::string> storedPointKeys(const std::string& path, const SweepStoreHeader& header)
{
    std::set<std::string> keys;
    if (!fs::exists(path))
        return keys;
    // The sweep then appends to this store: vetted in depth, as the appends open its groups.
    const VettedRead vetted(path, [&] { readStoredSweep(path); });
    const SweepStoreContents c = readSweepStore(path);
    if (c.header.planHash != header.planHash) {
        std::string differs;
        for (const auto& k : differingKeys(c.header.plan, header.plan))
            differs += (differs.empty() ? "" : ", ") + k;
        throw ArgumentError(path + " holds a sweep of another plan (it differs in: " + (differs.empty() ? "its hash" : differs) +
                            "); choose another --out or remove it");
    }
    for (const auto& r : c.rows)
        keys.insert(r.key);
    return keys;
}

void createSweepStore(const std::string& path, const SweepStoreHeader& header, const FpReference& reference)
{
    if (fs::exists(path))
        throw ArgumentError(path + ": a sweep store is already there");
    TempCopy tmp{path + ".tmp"};
    std::string where = "/";
    guardedHdf5(path, "create the sweep store", where, [&] {
        H5::H5File file(tmp.path, H5F_ACC_TRUNC);
        H5::Group root = file.openGroup("/");
        writeHeader(root, header);
        where = "/points";
        createPointsTable(root, header.columns);
        where = "/fp";
        writeModelSeries(root.createGroup("fp"), reference.fp, reference, where);
        if (reference.hasProbes()) {
            where = "/probe_set";
            H5::Group ps = root.createGroup("probe_set");
            std::vector<std::string> questions;
            for (const auto& c : reference.probes.cases)
                questions.push_back(c.question);
            writeStrings(ps, "questions", questions);
        }
        file.close();
    });
    commitFile(tmp.path, path);
    tmp.committed = true;
}

void appendSweepPoint(const std::string& path, const SweepPointRecord& rec)
{
    TempCopy tmp{path + ".tmp"};
    std::error_code ec;
    fs::copy_file(path, tmp.path, fs::copy_options::overwrite_existing, ec);
    if (ec)
        throw IoError(path + ": cannot copy the store to add a point: " + ec.message());
    std::string where = "/";
    guardedHdf5(path, "add point " + rec.row.key, where, [&] {
        H5::H5File file(tmp.path, H5F_ACC_RDWR);
        const SweepStoreHeader header = readHeader(file, path);
        if (rec.row.values.size() != header.columns.size())
            throw ArgumentError(path + ": point " + rec.row.key + " has " + std::to_string(rec.row.values.size()) +
                                " metrics, the store's table " + std::to_string(header.columns.size()));
        if (file.nameExists("/point/" + rec.row.key))
            throw ArgumentError(path + ": point " + rec.row.key + " is already stored");
        writePoint(file, rec, where);
        where = "/points";
        appendRows(file, header.columns, {rec.row});
        file.close();
    });
    commitFile(tmp.path, path);
    tmp.committed = true;
}

namespace {
// What a merge copies from an input, copied into a file that only lives in memory.
void copyStoreInMemory(const std::string& path)
{
    std::string where = "/";
    guardedHdf5(path, "copy from the sweep store", where, [&] {
        H5::FileAccPropList inMemory;
        inMemory.setCore(1 << 20, false);
        H5::H5File scratch("awb-merge-vetting", H5F_ACC_TRUNC, H5::FileCreatPropList::DEFAULT, inMemory);
        const H5::H5File source(path, H5F_ACC_RDONLY);
        for (const char* name : {"/fp", "/probe_set", "/point"}) {
            where = name;
            if (source.nameExists(name) && H5Ocopy(source.getId(), name, scratch.getId(), name, H5P_DEFAULT, H5P_DEFAULT) < 0)
                throw IoError(path + ": cannot copy " + name);
        }
        return 0;
    });
}
} // namespace

SweepStoreContents mergeSweepStores(const std::vector<std::string>& inputs, const std::string& out, std::vector<std::string>* duplicates)
{
    if (inputs.empty())
        throw ArgumentError("merge needs at least one sweep store");
    std::vector<SweepStoreContents> stores;
    for (const auto& in : inputs) {
        // The merge copies whole groups, objects the readers do not look at included: the child
        // makes the same copies (into memory) after reading the store in depth.
        const VettedRead vetted(in, [&] {
            readStoredSweep(in);
            copyStoreInMemory(in);
        });
        stores.push_back(readSweepStore(in));
        const auto& first = stores.front().header;
        const auto& h = stores.back().header;
        if (h.planHash != first.planHash) {
            std::string differs;
            for (const auto& k : differingKeys(first.plan, h.plan))
                differs += (differs.empty() ? "" : ", ") + k;
            throw ArgumentError(in + " belongs to another plan than " + inputs.front() + " (it differs in: " + differs + ")");
        }
    }
    // Which input each point comes from, in plan order.
    std::map<int64_t, std::pair<size_t, SweepRow>> byIndex;
    for (size_t s = 0; s < stores.size(); ++s)
        for (const auto& r : stores[s].rows)
            if (!byIndex.emplace(r.index, std::make_pair(s, r)).second && duplicates)
                duplicates->push_back(r.key + " (in " + inputs[byIndex.at(r.index).first] + " and " + inputs[s] + ")");

    SweepStoreContents merged;
    merged.path = out;
    merged.header = stores.front().header;
    TempCopy tmp{out + ".tmp"};
    std::string where = "/";
    guardedHdf5(out, "write the merged store", where, [&] {
        H5::H5File file(tmp.path, H5F_ACC_TRUNC);
        H5::Group root = file.openGroup("/");
        writeHeader(root, merged.header);
        createPointsTable(root, merged.header.columns);
        std::vector<H5::H5File> sources;
        for (const auto& in : inputs)
            sources.emplace_back(in, H5F_ACC_RDONLY);
        auto copy = [&](size_t s, const std::string& name) {
            where = name;
            if (H5Ocopy(sources[s].getId(), name.c_str(), file.getId(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT) < 0)
                throw IoError(out + ": cannot copy " + name + " from " + inputs[s]);
        };
        copy(0, "/fp");
        if (sources[0].nameExists("/probe_set"))
            copy(0, "/probe_set");
        for (const auto& [index, entry] : byIndex) {
            copy(entry.first, "/point/" + entry.second.key);
            merged.rows.push_back(entry.second);
        }
        where = "/points";
        appendRows(file, merged.header.columns, merged.rows);
        file.close();
    });
    commitFile(tmp.path, out);
    tmp.committed = true;
    return merged;
}

SweepStoreLock::SweepStoreLock(const std::string& storePath) : m_path(storePath + ".lock")
{
    m_fd = ::open(m_path.c_str(), O_CREAT | O_RDWR, 0644);
    if (m_fd < 0)
        throw IoError(storePath + ": cannot create lock file " + m_path + ": " + std::strerror(errno));
    if (flock(m_fd, LOCK_EX | LOCK_NB) != 0) {
        ::close(m_fd);
        m_fd = -1;
        throw IoError(storePath + ": another process is writing this sweep store (" + m_path + " is locked)");
    }
}

SweepStoreLock::~SweepStoreLock()
{
    if (m_fd >= 0) {
        std::remove(m_path.c_str());
        ::close(m_fd);
    }
}

} // namespace awb
