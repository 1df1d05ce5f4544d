#pragma once
// Typed errors of the core. Every message names what failed (file, tensor, field) so a user can act
// on it; the CLI maps Error to exit code 1 and ArgumentError to exit code 2.
#include <stdexcept>
#include <string>

namespace awb {

class Error : public std::runtime_error {
public:
    explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// A file is not what its format says it must be (truncated, malformed header, bad dtype...).
class FormatError : public Error {
public:
    FormatError(const std::string& file, const std::string& field, const std::string& what);
    const std::string& file() const { return m_file; }
    const std::string& field() const { return m_field; }

private:
    std::string m_file;
    std::string m_field;
};

// Tensors whose shapes do not fit together (a model file that disagrees with its config...).
class ShapeError : public Error {
public:
    using Error::Error;
};

// The operating system refused a read or write.
class IoError : public Error {
public:
    using Error::Error;
};

// A setting the user chose is impossible (w_bit out of range, seqlen above the context...).
class ArgumentError : public Error {
public:
    using Error::Error;
};

// A job stopped because its JobContext asked it to.
class Cancelled : public Error {
public:
    Cancelled() : Error("cancelled") {}
};

} // namespace awb
