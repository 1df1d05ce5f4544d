#include "hdf5_tree.h"

#include <cstring>
#include <functional>
#include <stdexcept>

namespace awb::fuzz {

size_t Value::elements() const
{
    size_t n = 1;
    if (!scalar)
        for (hsize_t d : dims)
            n *= static_cast<size_t>(d);
    return n;
}

void Value::fit(double fill)
{
    const size_t n = elements();
    if (kind == Kind::String)
        strings.resize(n);
    else if (kind != Kind::Table)
        numbers.resize(n, fill);
    for (Column& c : columns)
        c.isString ? c.strings.resize(n) : c.numbers.resize(n, fill);
}

namespace {

H5::StrType utf8()
{
    H5::StrType type(H5::PredType::C_S1, H5T_VARIABLE);
    type.setCset(H5T_CSET_UTF8);
    return type;
}

// A table row in memory: the string columns' pointers, then the double columns, in `columns` order.
struct RowLayout {
    H5::CompType type;
    std::vector<size_t> offsets;
    size_t bytes = 0;
};

RowLayout rowLayout(const std::vector<Column>& columns)
{
    RowLayout l;
    for (const Column& c : columns) {
        l.offsets.push_back(l.bytes);
        l.bytes += c.isString ? sizeof(char*) : sizeof(double);
    }
    l.type = H5::CompType(l.bytes ? l.bytes : 1);
    for (size_t i = 0; i < columns.size(); ++i)
        l.type.insertMember(columns[i].name, l.offsets[i], columns[i].isString ? H5::DataType(utf8()) : H5::DataType(H5::PredType::NATIVE_DOUBLE));
    return l;
}

// Attributes and datasets read and write with their arguments in different orders.
using ReadFn = std::function<void(const H5::DataType&, void*)>;

Value readValue(const H5::DataType& fileType, const H5::DataSpace& space, const ReadFn& read)
{
    Value v;
    const H5S_class_t extent = space.getSimpleExtentType();
    if (extent != H5S_SCALAR && extent != H5S_SIMPLE)
        throw std::runtime_error("a null dataspace");
    v.scalar = extent == H5S_SCALAR;
    if (!v.scalar) {
        v.dims.resize(static_cast<size_t>(space.getSimpleExtentNdims()));
        space.getSimpleExtentDims(v.dims.data());
    }
    const size_t n = v.elements();
    switch (fileType.getClass()) {
    case H5T_FLOAT:
        v.kind = fileType.getSize() == 4 ? Value::Kind::Float : Value::Kind::Double;
        break;
    case H5T_INTEGER:
        v.kind = fileType.getSize() == 1 ? Value::Kind::Int8 : Value::Kind::Int64;
        break;
    case H5T_STRING: {
        v.kind = Value::Kind::String;
        std::vector<char*> p(n, nullptr);
        if (n)
            read(utf8(), p.data());
        for (char* s : p)
            v.strings.emplace_back(s ? s : "");
        if (n)
            H5::DataSet::vlenReclaim(p.data(), utf8(), space);
        return v;
    }
    case H5T_COMPOUND: {
        v.kind = Value::Kind::Table;
        const H5::CompType file(fileType.getId());
        for (int i = 0; i < file.getNmembers(); ++i)
            v.columns.push_back({file.getMemberName(static_cast<unsigned>(i)), file.getMemberClass(static_cast<unsigned>(i)) == H5T_STRING, {}, {}});
        const RowLayout l = rowLayout(v.columns);
        std::vector<unsigned char> rows(n * l.bytes);
        if (n)
            read(l.type, rows.data());
        for (size_t r = 0; r < n; ++r)
            for (size_t c = 0; c < v.columns.size(); ++c) {
                const unsigned char* at = rows.data() + r * l.bytes + l.offsets[c];
                if (v.columns[c].isString) {
                    const char* s = nullptr;
                    std::memcpy(&s, at, sizeof s);
                    v.columns[c].strings.emplace_back(s ? s : "");
                } else {
                    double d = 0;
                    std::memcpy(&d, at, sizeof d);
                    v.columns[c].numbers.push_back(d);
                }
            }
        if (n)
            H5::DataSet::vlenReclaim(rows.data(), l.type, space);
        return v;
    }
    default:
        throw std::runtime_error("a type outside the stores' own");
    }
    v.numbers.resize(n);
    if (n)
        read(H5::PredType::NATIVE_DOUBLE, v.numbers.data()); // libhdf5 converts the file's type
    return v;
}

H5::DataSpace spaceOf(const Value& v)
{
    if (v.scalar)
        return H5::DataSpace(H5S_SCALAR);
    return H5::DataSpace(static_cast<int>(v.dims.size()), v.dims.data());
}

H5::DataType fileTypeOf(const Value& v)
{
    switch (v.kind) {
    case Value::Kind::Double: return H5::PredType::NATIVE_DOUBLE;
    case Value::Kind::Float: return H5::PredType::NATIVE_FLOAT;
    case Value::Kind::Int64: return H5::PredType::NATIVE_INT64;
    case Value::Kind::Int8: return H5::PredType::NATIVE_INT8;
    case Value::Kind::String: return utf8();
    case Value::Kind::Table: return rowLayout(v.columns).type;
    }
    return H5::PredType::NATIVE_DOUBLE;
}

using WriteFn = std::function<void(const H5::DataType&, const void*)>;

// Values whose element lists do not match their extent (an edit that did not fit them) are written
// padded, never past their lists.
void writeValue(Value v, const WriteFn& write)
{
    v.fit(0);
    const size_t n = v.elements();
    if (n == 0)
        return;
    if (v.kind == Value::Kind::String) {
        std::vector<const char*> p;
        for (const std::string& s : v.strings)
            p.push_back(s.c_str());
        write(utf8(), p.data());
    } else if (v.kind == Value::Kind::Table) {
        const RowLayout l = rowLayout(v.columns);
        std::vector<unsigned char> rows(n * l.bytes);
        for (size_t r = 0; r < n; ++r)
            for (size_t c = 0; c < v.columns.size(); ++c) {
                unsigned char* at = rows.data() + r * l.bytes + l.offsets[c];
                if (v.columns[c].isString) {
                    const char* s = v.columns[c].strings[r].c_str();
                    std::memcpy(at, &s, sizeof s);
                } else {
                    std::memcpy(at, &v.columns[c].numbers[r], sizeof(double));
                }
            }
        write(l.type, rows.data());
    } else {
        write(H5::PredType::NATIVE_DOUBLE, v.numbers.data()); // libhdf5 converts to the file's type
    }
}

template <typename Obj>
void loadAttributes(const Obj& obj, Node& node)
{
    for (int i = 0; i < obj.getNumAttrs(); ++i) {
        H5::Attribute a = obj.openAttribute(static_cast<unsigned>(i));
        node.attributes.push_back({a.getName(), readValue(a.getDataType(), a.getSpace(), [&](const H5::DataType& t, void* buf) {
                                        a.read(t, buf);
                                    })});
    }
}

void loadGroup(const H5::Group& g, Node& node)
{
    loadAttributes(g, node);
    for (hsize_t i = 0; i < g.getNumObjs(); ++i) {
        Node child;
        child.name = g.getObjnameByIdx(i);
        if (g.childObjType(child.name) == H5O_TYPE_GROUP) {
            loadGroup(g.openGroup(child.name), child);
        } else {
            const H5::DataSet ds = g.openDataSet(child.name);
            child.isGroup = false;
            child.data = readValue(ds.getDataType(), ds.getSpace(), [&](const H5::DataType& t, void* buf) { ds.read(buf, t); });
            loadAttributes(ds, child);
        }
        node.children.push_back(std::move(child));
    }
}

template <typename Obj>
void writeAttributes(Obj& obj, const Node& node)
{
    for (const Attribute& a : node.attributes) {
        H5::Attribute attr = obj.createAttribute(a.name, fileTypeOf(a.value), spaceOf(a.value));
        writeValue(a.value, [&](const H5::DataType& t, const void* buf) { attr.write(t, buf); });
    }
}

// libhdf5 callocs its whole type-conversion buffer (1 MiB by default) for each dataset write that
// converts (every string and table); these datasets are small.
const H5::DSetMemXferPropList& smallBuffers()
{
    static const H5::DSetMemXferPropList xfer = [] {
        H5::DSetMemXferPropList p;
        p.setBuffer(64 << 10, nullptr, nullptr);
        return p;
    }();
    return xfer;
}

void writeGroup(H5::Group& g, const Node& node)
{
    writeAttributes(g, node);
    for (const Node& child : node.children) {
        if (child.isGroup) {
            H5::Group cg = g.createGroup(child.name);
            writeGroup(cg, child);
        } else {
            H5::DataSet ds = g.createDataSet(child.name, fileTypeOf(child.data), spaceOf(child.data));
            writeValue(child.data, [&](const H5::DataType& t, const void* buf) {
                ds.write(buf, t, H5::DataSpace::ALL, H5::DataSpace::ALL, smallBuffers());
            });
            writeAttributes(ds, child);
        }
    }
}

} // namespace

Node loadTree(const std::string& path)
{
    const H5::H5File file(path, H5F_ACC_RDONLY);
    Node root;
    root.name = "/";
    loadGroup(file.openGroup("/"), root);
    return root;
}

void writeTree(const Node& root, const std::string& path)
{
    H5::H5File file(path, H5F_ACC_TRUNC);
    H5::Group g = file.openGroup("/");
    writeGroup(g, root);
}

} // namespace awb::fuzz
