#pragma once
// Small HDF5 helpers shared by the stores in this folder (include only from .cpp files: HDF5 headers
// stay out of the public API). Strings are variable-length; numbers are written as doubles or the
// tensor's own type.
#include "core/base/error.h"

#include <ATen/ATen.h>
#include <H5Cpp.h>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

namespace awb::h5 {

// Runs fn with HDF5 and JSON errors turned into awb errors naming the file and `where` (the HDF5
// path being read or written; fn advances it).
template <typename Fn>
auto guardedHdf5(const std::string& path, const std::string& what, std::string& where, Fn fn)
{
    H5::Exception::dontPrint();
    try {
        return fn();
    } catch (const H5::Exception& e) {
        throw IoError(path + ": cannot " + what + " at " + where + ": " + e.getDetailMsg());
    } catch (const nlohmann::json::exception& e) {
        throw FormatError(path, where, std::string("malformed JSON attribute: ") + e.what());
    }
}

// Variable-length UTF-8 strings (labels such as "ΔS" and "→" are not ASCII).
inline H5::StrType utf8String()
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    return type;
}

template <typename Obj>
void writeAttr(Obj& obj, const std::string& name, const std::string& value)
{
    H5::StrType type = utf8String();
    obj.createAttribute(name, type, H5::DataSpace(H5S_SCALAR)).write(type, value);
}
template <typename Obj>
void writeAttr(Obj& obj, const std::string& name, double value)
{
    obj.createAttribute(name, H5::PredType::NATIVE_DOUBLE, H5::DataSpace(H5S_SCALAR)).write(H5::PredType::NATIVE_DOUBLE, &value);
}
// An attribute read into one value must hold one element: libhdf5 copies every element it holds
// into the buffer it is given (found by fuzz_store_tree: a [3] attribute overran a double).
template <typename Obj>
H5::Attribute openSingleAttr(const Obj& obj, const std::string& name)
{
    H5::Attribute a = obj.openAttribute(name);
    const hssize_t n = a.getSpace().getSimpleExtentNpoints();
    if (n != 1)
        throw H5::AttributeIException(name, "attribute " + name + " holds " + std::to_string(n) + " values, not one");
    return a;
}
template <typename Obj>
std::string readStringAttr(const Obj& obj, const std::string& name)
{
    H5::Attribute a = openSingleAttr(obj, name);
    if (a.getTypeClass() != H5T_STRING) // getStrType() does not check, and libhdf5 would convert a
        // table's strings into the string's buffer and lose them (found by fuzz_store_tree)
        throw H5::AttributeIException(name, "attribute " + name + " is not a string");
    std::string value;
    a.read(a.getStrType(), value);
    return value;
}
template <typename Obj>
double readDoubleAttr(const Obj& obj, const std::string& name)
{
    double v = 0;
    openSingleAttr(obj, name).read(H5::PredType::NATIVE_DOUBLE, &v);
    return v;
}

// A whole number stored as a double attribute, range-checked before the cast (casting NaN or 1e300
// to an integer is undefined behaviour, and a hostile file can store either). Throws
// H5::AttributeIException, which the stores' guards turn into errors naming the file.
template <typename Obj>
int64_t readWholeAttr(const Obj& obj, const std::string& name, int64_t lo, int64_t hi)
{
    const double v = readDoubleAttr(obj, name);
    if (!(v >= static_cast<double>(lo) && v <= static_cast<double>(hi)) || v != static_cast<double>(static_cast<int64_t>(v)))
        throw H5::AttributeIException(name, "attribute " + name + " = " + std::to_string(v) + " is not a whole number in [" +
                                                std::to_string(lo) + ", " + std::to_string(hi) + "]");
    return static_cast<int64_t>(v);
}

// A float32 / float64 / int64 / int8 tensor as a dataset of its dtype and shape (other dtypes: fp32).
void writeTensor(H5::Group& g, const std::string& name, const at::Tensor& t);
void writeDoubles(H5::Group& g, const std::string& name, const std::vector<double>& values);
void writeStrings(H5::Group& g, const std::string& name, const std::vector<std::string>& values);

// A dataset's dimensions (rank at most 8), once its element count is known to fit the bytes the file
// stores for it; throws H5::DataSetIException otherwise. Every reader below starts with it.
std::vector<hsize_t> checkedDims(const H5::DataSet& ds, const std::string& name);

// Readers. Each checks a dataset's declared extent against the bytes the file holds for it before
// allocating, so a small hostile file cannot declare a huge extent and have it allocated.
at::Tensor readTensor(const H5::Group& g, const std::string& name); // as float32
std::vector<double> readDoubles(const H5::Group& g, const std::string& name);
std::vector<std::string> readStrings(const H5::Group& g, const std::string& name);

// A compound table of string and double columns; rows are given column-wise.
struct Table {
    std::vector<std::string> stringCols, doubleCols;
    std::vector<std::vector<std::string>> strings; // [col][row]
    std::vector<std::vector<double>> doubles;      // [col][row]
};
void writeTable(H5::Group& g, const std::string& name, const Table& t);
// The named columns of a table written by writeTable (a missing column throws H5::Exception).
Table readTable(const H5::Group& g, const std::string& name, const std::vector<std::string>& stringCols,
                const std::vector<std::string>& doubleCols);
// A {stage, seconds} table: where a job's time went.
void writeTimings(H5::Group& g, const std::string& name, const std::vector<std::pair<std::string, double>>& seconds);

// Lists stored as one comma-separated string attribute ("q_proj,k_proj,v_proj").
std::string joinCommas(const std::vector<std::string>& items);
std::vector<std::string> splitCommas(const std::string& joined);

} // namespace awb::h5
