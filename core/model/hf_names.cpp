#include "core/model/hf_names.h"

#include "core/base/error.h"

#include <algorithm>

namespace awb {

const std::vector<std::string>& hfLinearNames()
{
    static const std::vector<std::string> names = {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"};
    return names;
}

bool isAttentionLinear(const std::string& linear)
{
    return linear == "q_proj" || linear == "k_proj" || linear == "v_proj" || linear == "o_proj";
}

bool isHfBias(const std::string& name)
{
    static const std::string tail = ".bias";
    return name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
}

std::string hfLayerPrefix(int64_t layer) { return "model.layers." + std::to_string(layer) + "."; }

std::string hfLinearRelative(const std::string& linear)
{
    const auto& names = hfLinearNames();
    if (std::find(names.begin(), names.end(), linear) == names.end())
        throw ShapeError("unknown linear layer " + linear);
    return (isAttentionLinear(linear) ? "self_attn." : "mlp.") + linear;
}

std::string hfLinearPrefix(int64_t layer, const std::string& linear) { return hfLayerPrefix(layer) + hfLinearRelative(linear); }

} // namespace awb
