#pragma once
// An HDF5 file's content as plain values (groups, attributes, datasets), for the structured store
// fuzz target: a store awb wrote is loaded into a Tree, the fuzzer edits the tree, and libhdf5
// writes it back as a well-formed file. Only the types awb's stores use are modelled
// (core/store/hdf5_util.h): doubles, floats, int64 and int8 numbers, variable-length UTF-8 strings
// and compound tables of string and double columns; any of them as a scalar or of any rank.
#include <H5Cpp.h>
#include <string>
#include <vector>

namespace awb::fuzz {

struct Column {
    std::string name;
    bool isString = false;
    std::vector<std::string> strings; // one a row when isString
    std::vector<double> numbers;      // one a row otherwise
};

struct Value {
    enum class Kind { Double, Float, Int64, Int8, String, Table };
    Kind kind = Kind::Double;
    bool scalar = true;         // H5S_SCALAR; otherwise a simple dataspace of dims
    std::vector<hsize_t> dims;  // a table has one row per element
    std::vector<double> numbers;      // numeric kinds, elements()
    std::vector<std::string> strings; // String, elements()
    std::vector<Column> columns;      // Table, each of elements() rows
    size_t elements() const;
    // Resizes the element lists (and every column) to elements(), padding with `fill`.
    void fit(double fill);
};

struct Attribute {
    std::string name;
    Value value;
};

struct Node {
    std::string name;
    bool isGroup = true;
    Value data; // a dataset's
    std::vector<Attribute> attributes;
    std::vector<Node> children; // a group's
};

// The root group "/" of `path`. Throws H5::Exception, or std::runtime_error on a type outside the model.
Node loadTree(const std::string& path);
// Writes `root` as a new file at `path`. Throws H5::Exception where libhdf5 refuses the content
// (a name it cannot hold): such an edit is no input for the readers.
void writeTree(const Node& root, const std::string& path);

} // namespace awb::fuzz
