#include "core/store/hdf5_util.h"

#include <cstring>
#include <sstream>

namespace awb::h5 {

void writeTensor(H5::Group& g, const std::string& name, const at::Tensor& t)
{
    at::Tensor c = t.contiguous();
    H5::PredType type = H5::PredType::NATIVE_FLOAT;
    switch (c.scalar_type()) {
    case at::kDouble: type = H5::PredType::NATIVE_DOUBLE; break;
    case at::kLong: type = H5::PredType::NATIVE_INT64; break;
    case at::kChar: type = H5::PredType::NATIVE_INT8; break;
    case at::kBool: c = c.to(at::kChar); type = H5::PredType::NATIVE_INT8; break;
    default: c = c.to(at::kFloat).contiguous(); break;
    }
    std::vector<hsize_t> dims(c.sizes().begin(), c.sizes().end());
    H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(static_cast<int>(dims.size()), dims.data()));
    if (c.numel() > 0)
        ds.write(c.data_ptr(), type);
}

// Every element this file format writes takes at least one byte (a variable-length string takes a
// heap id), so more elements than stored bytes means a declared extent the file cannot back.
std::vector<hsize_t> checkedDims(const H5::DataSet& ds, const std::string& name)
{
    H5::DataSpace space = ds.getSpace();
    const int rank = space.getSimpleExtentNdims();
    if (rank < 0 || rank > 8)
        throw H5::DataSetIException(name, "unsupported rank " + std::to_string(rank));
    std::vector<hsize_t> dims(static_cast<size_t>(rank));
    space.getSimpleExtentDims(dims.data());
    const hsize_t elements = static_cast<hsize_t>(space.getSimpleExtentNpoints());
    if (elements > ds.getStorageSize())
        throw H5::DataSetIException(name, "declares " + std::to_string(elements) + " elements but the file holds " +
                                              std::to_string(ds.getStorageSize()) + " bytes for it");
    return dims;
}

at::Tensor readTensor(const H5::Group& g, const std::string& name)
{
    H5::DataSet ds = g.openDataSet(name);
    const std::vector<hsize_t> dims = checkedDims(ds, name);
    at::Tensor t = at::empty(std::vector<int64_t>(dims.begin(), dims.end()), at::kFloat);
    if (t.numel() > 0)
        ds.read(t.data_ptr<float>(), H5::PredType::NATIVE_FLOAT);
    return t;
}

std::vector<double> readDoubles(const H5::Group& g, const std::string& name)
{
    H5::DataSet ds = g.openDataSet(name);
    hsize_t n = 1;
    for (hsize_t d : checkedDims(ds, name))
        n *= d;
    std::vector<double> v(n);
    if (n)
        ds.read(v.data(), H5::PredType::NATIVE_DOUBLE);
    return v;
}

std::vector<std::string> readStrings(const H5::Group& g, const std::string& name)
{
    H5::DataSet ds = g.openDataSet(name);
    hsize_t n = 1;
    for (hsize_t d : checkedDims(ds, name))
        n *= d;
    std::vector<char*> ptrs(n, nullptr);
    H5::StrType type = utf8String();
    if (n)
        ds.read(ptrs.data(), type);
    std::vector<std::string> out;
    for (char* p : ptrs)
        out.emplace_back(p ? p : "");
    if (n)
        H5::DataSet::vlenReclaim(ptrs.data(), type, ds.getSpace());
    return out;
}

void writeDoubles(H5::Group& g, const std::string& name, const std::vector<double>& values)
{
    writeTensor(g, name, at::tensor(values, at::kDouble));
}

void writeStrings(H5::Group& g, const std::string& name, const std::vector<std::string>& values)
{
    H5::StrType type = utf8String();
    std::vector<const char*> ptrs;
    for (const auto& v : values)
        ptrs.push_back(v.c_str());
    hsize_t n = ptrs.size();
    H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(1, &n));
    if (n)
        ds.write(ptrs.data(), type);
}

void writeTable(H5::Group& g, const std::string& name, const Table& t)
{
    const size_t rows = t.strings.empty() ? (t.doubles.empty() ? 0 : t.doubles[0].size()) : t.strings[0].size();
    const size_t ns = t.stringCols.size(), nd = t.doubleCols.size();
    const size_t rowBytes = ns * sizeof(const char*) + nd * sizeof(double);
    H5::CompType type(rowBytes);
    for (size_t c = 0; c < ns; ++c)
        type.insertMember(t.stringCols[c], c * sizeof(const char*), utf8String());
    for (size_t c = 0; c < nd; ++c)
        type.insertMember(t.doubleCols[c], ns * sizeof(const char*) + c * sizeof(double), H5::PredType::NATIVE_DOUBLE);
    std::vector<unsigned char> buffer(rows * rowBytes);
    for (size_t r = 0; r < rows; ++r) {
        unsigned char* row = buffer.data() + r * rowBytes;
        for (size_t c = 0; c < ns; ++c) {
            const char* p = t.strings[c][r].c_str();
            std::memcpy(row + c * sizeof(const char*), &p, sizeof p);
        }
        for (size_t c = 0; c < nd; ++c)
            std::memcpy(row + ns * sizeof(const char*) + c * sizeof(double), &t.doubles[c][r], sizeof(double));
    }
    hsize_t n = rows;
    H5::DataSet ds = g.createDataSet(name, type, H5::DataSpace(1, &n));
    if (rows)
        ds.write(buffer.data(), type);
}

Table readTable(const H5::Group& g, const std::string& name, const std::vector<std::string>& stringCols,
                const std::vector<std::string>& doubleCols)
{
    H5::DataSet ds = g.openDataSet(name);
    const std::vector<hsize_t> dims = checkedDims(ds, name);
    if (dims.size() != 1) // libhdf5 reads every element: rows of a 2-D table would overrun the buffer
        throw H5::DataSetIException(name, "a table must be 1-D, not of rank " + std::to_string(dims.size()));
    const size_t rows = dims[0];
    const size_t ns = stringCols.size(), nd = doubleCols.size();
    const size_t rowBytes = ns * sizeof(char*) + nd * sizeof(double);
    // A memory type with only the wanted members: HDF5 matches them to the file's by name.
    H5::CompType type(rowBytes);
    for (size_t c = 0; c < ns; ++c)
        type.insertMember(stringCols[c], c * sizeof(char*), utf8String());
    for (size_t c = 0; c < nd; ++c)
        type.insertMember(doubleCols[c], ns * sizeof(char*) + c * sizeof(double), H5::PredType::NATIVE_DOUBLE);
    Table t{stringCols, doubleCols, std::vector<std::vector<std::string>>(ns), std::vector<std::vector<double>>(nd)};
    if (rows == 0)
        return t;
    std::vector<unsigned char> buffer(rows * rowBytes);
    ds.read(buffer.data(), type);
    for (size_t r = 0; r < rows; ++r) {
        const unsigned char* row = buffer.data() + r * rowBytes;
        for (size_t c = 0; c < ns; ++c) {
            const char* p = nullptr;
            std::memcpy(&p, row + c * sizeof(char*), sizeof p);
            t.strings[c].emplace_back(p ? p : "");
        }
        for (size_t c = 0; c < nd; ++c) {
            double v = 0;
            std::memcpy(&v, row + ns * sizeof(char*) + c * sizeof(double), sizeof v);
            t.doubles[c].push_back(v);
        }
    }
    H5::DataSet::vlenReclaim(buffer.data(), type, ds.getSpace());
    return t;
}

void writeTimings(H5::Group& g, const std::string& name, const std::vector<std::pair<std::string, double>>& seconds)
{
    Table t{{"stage"}, {"seconds"}, {{}}, {{}}};
    for (const auto& [stage, s] : seconds) {
        t.strings[0].push_back(stage);
        t.doubles[0].push_back(s);
    }
    writeTable(g, name, t);
}

std::string joinCommas(const std::vector<std::string>& items)
{
    std::string joined;
    for (const auto& item : items)
        joined += (joined.empty() ? "" : ",") + item;
    return joined;
}

std::vector<std::string> splitCommas(const std::string& joined)
{
    std::vector<std::string> out;
    std::stringstream ss(joined);
    for (std::string item; std::getline(ss, item, ',');)
        out.push_back(item);
    return out;
}

} // namespace awb::h5
