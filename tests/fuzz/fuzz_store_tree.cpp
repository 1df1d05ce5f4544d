// libFuzzer target: the HDF5 store readers' own checks, in-process. fuzz_result_store and
// fuzz_sweep_store hand libhdf5 malformed bytes, so their readers run in a forked child first
// (core/store/hdf5_vetting.h), a few executions a second, and most inputs fail inside libhdf5.
// Here the input is a script of edits to a store awb wrote (tests/data/stores): remove, copy or
// rename objects, retype, reshape or refill attributes and datasets (NaN, huge, negative,
// fractional numbers; empty, foreign or cut strings, such as JSON), change table columns. libhdf5
// writes the edited tree as a well-formed file, so the readers run without their child, at
// in-process speed, on content no writer of ours would produce. Only awb::Error may come out, and
// what loads must be what its users index (the invariants of the two byte-level targets).
#include "core/base/error.h"
#include "core/store/hdf5_vetting.h"
#include "core/store/sweep_point_awq.h"
#include "hdf5_tree.h"
#include "store_invariants.h"

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fuzzer/FuzzedDataProvider.h>
#include <limits>
#include <set>
#include <unistd.h>

namespace {

using awb::fuzz::Attribute;
using awb::fuzz::Column;
using awb::fuzz::Node;
using awb::fuzz::Value;

struct Seed {
    Node root;
    bool sweep; // a sweep store (else an AWQ result file)
};
std::vector<Seed> g_seeds;
std::vector<std::string> g_words; // every name and string value of the seeds, and a few foreign ones

void collectWords(const Node& n, std::set<std::string>& words)
{
    words.insert(n.name);
    auto value = [&](const Value& v) {
        words.insert(v.strings.begin(), v.strings.end());
        for (const Column& c : v.columns) {
            words.insert(c.name);
            words.insert(c.strings.begin(), c.strings.end());
        }
    };
    for (const Attribute& a : n.attributes) {
        words.insert(a.name);
        value(a.value);
    }
    value(n.data);
    for (const Node& c : n.children)
        collectWords(c, words);
}

// Every value of the tree (attributes' and datasets'), and every group, in one order.
struct Slots {
    std::vector<Value*> values;
    std::vector<Node*> groups;
    std::vector<Node*> nodes; // groups and datasets
};

void collectSlots(Node& n, Slots& s)
{
    s.nodes.push_back(&n);
    if (n.isGroup)
        s.groups.push_back(&n);
    else
        s.values.push_back(&n.data);
    for (Attribute& a : n.attributes)
        s.values.push_back(&a.value);
    for (Node& c : n.children)
        collectSlots(c, s);
}

size_t countNodes(const Node& n)
{
    size_t k = 1 + n.attributes.size();
    for (const Node& c : n.children)
        k += countNodes(c);
    return k;
}

double number(FuzzedDataProvider& in)
{
    static const double special[] = {0, 1, -1, 0.5, -0.5, 2, 3, 4, 7, 8, 16, 17, 32, 64, 128, 255, 256, 65536,
                                     1e300, -1e300, 1e-300, std::ldexp(1.0, 31), std::ldexp(1.0, 32), std::ldexp(1.0, 40),
                                     std::ldexp(1.0, 53), std::ldexp(1.0, 63), -std::ldexp(1.0, 63),
                                     std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                                     -std::numeric_limits<double>::infinity()};
    if (in.ConsumeBool())
        return static_cast<double>(in.ConsumeIntegralInRange<int>(-40, 1000));
    return special[in.ConsumeIntegralInRange<size_t>(0, std::size(special) - 1)];
}

std::string word(FuzzedDataProvider& in) { return g_words[in.ConsumeIntegralInRange<size_t>(0, g_words.size() - 1)]; }

std::string text(FuzzedDataProvider& in, const std::string& current)
{
    switch (in.ConsumeIntegralInRange(0, 4)) {
    case 0: return word(in);
    case 1: return current.substr(0, in.ConsumeIntegralInRange<size_t>(0, current.size())); // cut
    case 2: { // one byte changed
        std::string s = current.empty() ? std::string(1, ' ') : current;
        s[in.ConsumeIntegralInRange<size_t>(0, s.size() - 1)] = static_cast<char>(in.ConsumeIntegral<uint8_t>());
        return s;
    }
    case 3: return std::to_string(in.ConsumeIntegralInRange<int>(-2, 40)); // names such as point indices
    default: return in.ConsumeRandomLengthString(64);
    }
}

Value::Kind kind(FuzzedDataProvider& in) { return static_cast<Value::Kind>(in.ConsumeIntegralInRange(0, 5)); }

void reshape(FuzzedDataProvider& in, Value& v)
{
    static const hsize_t extents[] = {0, 1, 2, 3, 4, 5, 8, 9, 16, 20, 64};
    v.scalar = in.ConsumeIntegralInRange(0, 7) == 0;
    v.dims.assign(v.scalar ? 0 : in.ConsumeIntegralInRange<size_t>(0, 3), 0);
    for (hsize_t& d : v.dims)
        d = in.ConsumeBool() && !v.dims.empty() ? extents[in.ConsumeIntegralInRange<size_t>(0, std::size(extents) - 1)] : 1;
    if (v.elements() > 4096) // large enough for every store's real series here; keeps an execution fast
        v.dims.assign(1, 4096);
    v.fit(number(in));
}

void retype(FuzzedDataProvider& in, Value& v)
{
    const Value::Kind k = kind(in);
    if (k == Value::Kind::Table && v.columns.empty())
        v.columns.push_back({word(in), in.ConsumeBool(), {}, {}});
    if (k == Value::Kind::String && v.strings.empty())
        for (double x : v.numbers)
            v.strings.push_back(std::to_string(x));
    v.kind = k;
    v.fit(number(in));
}

void editTable(FuzzedDataProvider& in, Value& v)
{
    if (v.kind != Value::Kind::Table)
        return;
    switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0:
        if (!v.columns.empty())
            v.columns.erase(v.columns.begin() + in.ConsumeIntegralInRange<long>(0, v.columns.size() - 1));
        break;
    case 1: v.columns.push_back({word(in), in.ConsumeBool(), {}, {}}); break;
    case 2:
        if (!v.columns.empty())
            v.columns[in.ConsumeIntegralInRange<size_t>(0, v.columns.size() - 1)].name = text(in, word(in));
        break;
    default:
        if (!v.columns.empty()) {
            Column& c = v.columns[in.ConsumeIntegralInRange<size_t>(0, v.columns.size() - 1)];
            c.isString = !c.isString;
        }
        break;
    }
    v.fit(number(in));
}

void setElement(FuzzedDataProvider& in, Value& v)
{
    v.fit(0);
    const size_t n = v.elements();
    if (n == 0)
        return;
    const size_t i = in.ConsumeIntegralInRange<size_t>(0, n - 1);
    if (v.kind == Value::Kind::String) {
        v.strings[i] = text(in, v.strings[i]);
    } else if (v.kind == Value::Kind::Table) {
        if (v.columns.empty())
            return;
        Column& c = v.columns[in.ConsumeIntegralInRange<size_t>(0, v.columns.size() - 1)];
        c.isString ? void(c.strings[i] = text(in, c.strings[i])) : void(c.numbers[i] = number(in));
    } else {
        v.numbers[i] = number(in);
    }
}

bool hasChild(const Node& g, const std::string& name)
{
    for (const Node& c : g.children)
        if (c.name == name)
            return true;
    return false;
}

// One edit; false when the script is used up.
bool edit(FuzzedDataProvider& in, Node& root)
{
    if (in.remaining_bytes() == 0)
        return false;
    Slots s;
    collectSlots(root, s);
    if (s.values.empty()) // everything removed: nothing left to edit
        return false;
    const int op = in.ConsumeIntegralInRange(0, 9);
    Value& v = *s.values[in.ConsumeIntegralInRange<size_t>(0, s.values.size() - 1)];
    Node& g = *s.groups[in.ConsumeIntegralInRange<size_t>(0, s.groups.size() - 1)];
    Node& n = *s.nodes[in.ConsumeIntegralInRange<size_t>(0, s.nodes.size() - 1)];
    switch (op) {
    case 0: setElement(in, v); break;
    case 1: reshape(in, v); break;
    case 2: retype(in, v); break;
    case 3: editTable(in, v); break;
    case 4: // remove a child or an attribute
        if (in.ConsumeBool() && !g.children.empty())
            g.children.erase(g.children.begin() + in.ConsumeIntegralInRange<long>(0, g.children.size() - 1));
        else if (!n.attributes.empty())
            n.attributes.erase(n.attributes.begin() + in.ConsumeIntegralInRange<long>(0, n.attributes.size() - 1));
        break;
    case 5: { // an attribute of a name the stores use, with a value from elsewhere in the tree
        const std::string name = word(in);
        for (const Attribute& a : n.attributes)
            if (a.name == name)
                return true;
        n.attributes.push_back({name, v});
        break;
    }
    case 6: { // a copy of a node, under another name or in another group
        if (&n == &root || countNodes(root) + countNodes(n) > 4000)
            return true;
        Node copy = n;
        copy.name = text(in, n.name);
        if (!copy.name.empty() && !hasChild(g, copy.name))
            g.children.push_back(std::move(copy));
        break;
    }
    case 7: { // a renamed child
        if (g.children.empty())
            return true;
        const std::string name = text(in, word(in));
        if (!name.empty() && !hasChild(g, name))
            g.children[in.ConsumeIntegralInRange<size_t>(0, g.children.size() - 1)].name = name;
        break;
    }
    case 8: // a value replaced by another's (a type and shape the reader expects elsewhere)
        v = *s.values[in.ConsumeIntegralInRange<size_t>(0, s.values.size() - 1)];
        break;
    default: // a group where a dataset was, or the other way
        if (&n != &root) {
            n.isGroup = !n.isGroup;
            n.children.clear();
        }
        break;
    }
    return true;
}

void readSweep(const std::string& path)
{
    const awb::StoredSweep s = awb::fuzz::readSweepChecked(path);
    for (const awb::StoredSweepPoint& p : s.points)
        if (p.awq)
            awb::readSweepPointAwq(path, p.row.key); // what `awb quantize --apply-results STORE.h5#KEY` reads
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
    H5::Exception::dontPrint();
    // libhdf5 callocs a 1 MiB type-conversion buffer for each read and write that converts (strings,
    // tables), and its free lists hand blocks that large back to malloc: unlimited lists keep them,
    // which makes an execution several times faster here (the readers' behaviour is the same).
    H5set_free_list_limits(-1, -1, -1, -1, -1, -1);
    std::set<std::string> words = {"", "awq", "rtn", "awb-awq-result", "awb-sweep-store", "{}", "[]", "null", "{\"a\":",
                                   "nan", ",", ",,", "q_proj,k_proj", "\xff\xfe", "0", "-1", "1e999", std::string(300, 'x')};
    std::set<std::string> stores; // sorted: an input chooses its store by index
    for (const auto& entry : std::filesystem::directory_iterator(AWB_FUZZ_STORES_DIR))
        if (entry.path().extension() == ".h5")
            stores.insert(entry.path().string());
    for (const std::string& store : stores) {
        Seed seed{awb::fuzz::loadTree(store), store.find("-sweep-") != std::string::npos};
        collectWords(seed.root, words);
        g_seeds.push_back(std::move(seed));
    }
    g_words.assign(words.begin(), words.end());
    if (g_seeds.empty())
        std::abort(); // no stores to start from: the harness is broken
    return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    FuzzedDataProvider in(data, size);
    const Seed& seed = g_seeds[in.ConsumeIntegralInRange<size_t>(0, g_seeds.size() - 1)];
    Node root = seed.root;
    for (int i = 0; i < 16 && edit(in, root); ++i) {
    }
    const std::string path = "/dev/shm/awb-fuzz-tree-" + std::to_string(::getpid()) + ".h5";
    try {
        awb::fuzz::writeTree(root, path);
    } catch (const H5::Exception&) {
        std::filesystem::remove(path);
        return -1; // content libhdf5 cannot hold (a name with '/', a table without columns): no input
    }
    const awb::h5::WrittenHere trusted(path);
    try {
        seed.sweep ? readSweep(path) : awb::fuzz::loadResultChecked(path);
    } catch (const awb::Error&) {
    }
    std::filesystem::remove(path);
    return 0;
}
