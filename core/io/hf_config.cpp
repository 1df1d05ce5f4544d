#include "core/io/hf_config.h"

#include "core/base/error.h"

#include <cmath>
#include <set>

namespace awb {

namespace {

// Keys of config.json that do not change the forward pass (transformers' PretrainedConfig generics,
// generation defaults, training-only settings, bookkeeping). The honoured keys are handled one by
// one in readHfConfig; every other key is refused.
const std::set<std::string>& inertKeys()
{
    static const std::set<std::string> keys = {
        // bookkeeping
        "_name_or_path", "transformers_version", "torch_dtype", "dtype", "auto_map", "model_name", "_attn_implementation_autoset",
        "attn_implementation", "tokenizer_class", "is_llama_config",
        // training only: dropout is off at inference, init and caching do not change results
        "initializer_range", "use_cache", "attention_dropout", "hidden_dropout", "embd_pdrop", "resid_pdrop",
        // ids used by tokenizers/generation, not the forward pass (bos/eos are read by special_tokens)
        "pad_token_id", "bos_token_id", "eos_token_id", "sep_token_id", "decoder_start_token_id",
        // pretraining tensor-parallel split: the same matmul in slices (transformers itself dropped it)
        "pretraining_tp",
        // Qwen2: only consulted with use_sliding_window
        "max_window_layers",
        // PretrainedConfig generics (outputs, heads of other tasks, generation defaults)
        "return_dict", "output_hidden_states", "output_attentions", "torchscript", "use_bfloat16", "tf_legacy_loss",
        "pruned_heads", "tie_encoder_decoder", "is_encoder_decoder", "is_decoder", "cross_attention_hidden_size",
        "add_cross_attention", "chunk_size_feed_forward", "finetuning_task", "id2label", "label2id", "num_labels", "prefix",
        "task_specific_params", "problem_type", "max_length", "min_length", "do_sample", "early_stopping", "num_beams",
        "num_beam_groups", "diversity_penalty", "temperature", "top_k", "top_p", "typical_p", "repetition_penalty",
        "length_penalty", "no_repeat_ngram_size", "encoder_no_repeat_ngram_size", "bad_words_ids", "num_return_sequences",
        "output_scores", "return_dict_in_generate", "forced_bos_token_id", "forced_eos_token_id", "remove_invalid_values",
        "exponential_decay_length_penalty", "suppress_tokens", "begin_suppress_tokens", "output_router_logits"};
    return keys;
}

// The keys readHfConfig (and the AutoAWQ importer, for quantization_config) honours.
const std::set<std::string>& honouredKeys()
{
    static const std::set<std::string> keys = {
        "model_type", "architectures", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads",
        "num_key_value_heads", "head_dim", "vocab_size", "max_position_embeddings", "rope_theta", "rope_scaling",
        "rope_parameters", "rms_norm_eps", "tie_word_embeddings", "attention_bias", "mlp_bias", "hidden_act",
        "sliding_window", "use_sliding_window", "partial_rotary_factor", "layer_types", "quantization_config"};
    return keys;
}

struct Reader {
    const nlohmann::json& j;
    const std::string& file;
    std::string prefix; // "" or "rope_scaling." for nested objects

    bool has(const std::string& key) const { return j.contains(key) && !j[key].is_null(); }
    std::string name(const std::string& key) const { return prefix + key; }
    int64_t integer(const std::string& key) const
    {
        if (!has(key) || !j[key].is_number_integer())
            throw FormatError(file, name(key), has(key) ? "must be an integer, not " + j[key].dump() : "missing");
        // an unsigned value above INT64_MAX would wrap to a negative one in get<int64_t>
        if (j[key].is_number_unsigned() && j[key].get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
            throw FormatError(file, name(key), j[key].dump() + " is too large");
        return j[key].get<int64_t>();
    }
    int64_t integer(const std::string& key, int64_t fallback) const { return has(key) ? integer(key) : fallback; }
    double number(const std::string& key) const
    {
        if (!has(key) || !j[key].is_number())
            throw FormatError(file, name(key), has(key) ? "must be a number, not " + j[key].dump() : "missing");
        return j[key].get<double>();
    }
    double number(const std::string& key, double fallback) const { return has(key) ? number(key) : fallback; }
    bool boolean(const std::string& key, bool fallback) const
    {
        if (!has(key))
            return fallback;
        if (!j[key].is_boolean())
            throw FormatError(file, name(key), "must be true or false, not " + j[key].dump());
        return j[key].get<bool>();
    }
    std::string string(const std::string& key, const std::string& fallback) const
    {
        if (!has(key))
            return fallback;
        if (!j[key].is_string())
            throw FormatError(file, name(key), "must be a string, not " + j[key].dump());
        return j[key].get<std::string>();
    }
};

// rope_scaling, or rope_parameters less rope_theta: the variant and its settings. transformers
// ignores keys a variant does not use; here they are refused, since a key the file sets on purpose
// and that changes nothing is more likely a variant awb does not know than noise.
RopeScaling parseRopeScaling(const nlohmann::json& j, const std::string& file, const std::string& field, int64_t maxPositions)
{
    if (!j.is_object())
        throw FormatError(file, field, "must be an object, not " + j.dump());
    Reader r{j, file, field + "."};
    const std::string typeKey = r.has("rope_type") ? "rope_type" : "type";
    const std::string type = r.string(typeKey, "default");
    if (r.has("rope_type") && r.has("type") && r.string("type", "") != type)
        throw FormatError(file, field + ".type", "\"" + r.string("type", "") + "\" contradicts rope_type \"" + type + "\"");
    RopeScaling s;
    std::set<std::string> allowed = {"rope_type", "type", "rope_theta"};
    if (type == "default") {
        s.type = RopeType::Default;
    } else if (type == "linear") {
        s.type = RopeType::Linear;
        allowed.insert("factor");
    } else if (type == "dynamic") {
        s.type = RopeType::Dynamic;
        allowed.insert({"factor", "original_max_position_embeddings"});
    } else if (type == "llama3") {
        s.type = RopeType::Llama3;
        allowed.insert({"factor", "low_freq_factor", "high_freq_factor", "original_max_position_embeddings"});
    } else if (type == "yarn") {
        s.type = RopeType::Yarn;
        allowed.insert({"factor", "original_max_position_embeddings", "attention_factor", "beta_fast", "beta_slow"});
    } else {
        throw FormatError(file, field + "." + typeKey,
                          "RoPE type \"" + type + "\" is not supported (default, linear, dynamic, llama3, yarn)");
    }
    for (const auto& item : j.items())
        if (!allowed.count(item.key()))
            throw FormatError(file, field + "." + item.key(),
                              "is not understood for RoPE type \"" + type + "\"; refusing rather than computing without it");
    if (s.type == RopeType::Default)
        return s;
    s.factor = r.number("factor");
    if (!(s.factor >= 1.0))
        throw FormatError(file, field + ".factor", "must be >= 1, not " + j["factor"].dump());
    s.originalMaxPositions = maxPositions;
    if (s.type == RopeType::Llama3) {
        s.lowFreqFactor = r.number("low_freq_factor");
        s.highFreqFactor = r.number("high_freq_factor");
        s.originalMaxPositions = r.integer("original_max_position_embeddings");
        if (!(s.highFreqFactor > s.lowFreqFactor) || s.lowFreqFactor <= 0 || s.originalMaxPositions <= 0)
            throw FormatError(file, field, "llama3 needs high_freq_factor > low_freq_factor > 0 and a positive original_max_position_embeddings");
        return s;
    }
    // dynamic and yarn: transformers releases disagree on what an original_max_position_embeddings
    // different from max_position_embeddings means (ignored, or a new factor); only the case where
    // they agree is accepted.
    if (r.has("original_max_position_embeddings") && r.integer("original_max_position_embeddings") != maxPositions)
        throw FormatError(file, field + ".original_max_position_embeddings",
                          std::to_string(r.integer("original_max_position_embeddings")) + " differs from max_position_embeddings " +
                              std::to_string(maxPositions) + "; transformers versions read that differently, so it is refused");
    if (s.type == RopeType::Yarn) {
        s.betaFast = r.number("beta_fast", 32.0);
        s.betaSlow = r.number("beta_slow", 1.0);
        s.attentionFactor = r.number("attention_factor", 0.0);
        if (r.has("attention_factor") && !(s.attentionFactor > 0))
            throw FormatError(file, field + ".attention_factor", "must be positive");
    }
    return s;
}

bool sameScaling(const RopeScaling& a, const RopeScaling& b)
{
    return ropeScalingJson(a) == ropeScalingJson(b);
}

} // namespace

ModelConfig readHfConfig(const nlohmann::json& j, const std::string& file)
{
    if (!j.is_object())
        throw FormatError(file, "", "must be a JSON object");
    Reader r{j, file, ""};
    ModelConfig c;
    c.modelType = r.string("model_type", "");
    if (c.modelType != "llama" && c.modelType != "mistral" && c.modelType != "qwen2")
        throw FormatError(file, "model_type", "\"" + c.modelType + "\" is not supported (llama, mistral, qwen2)");
    for (const auto& item : j.items()) {
        if (!honouredKeys().count(item.key()) && !inertKeys().count(item.key()))
            throw FormatError(file, item.key(),
                              "is not understood by awb and may change the computation; refusing rather than ignoring it");
    }
    if (r.has("architectures")) {
        static const std::set<std::string> known = {"LlamaForCausalLM", "MistralForCausalLM", "Qwen2ForCausalLM"};
        if (!j["architectures"].is_array())
            throw FormatError(file, "architectures", "must be a list of class names");
        for (const auto& a : j["architectures"])
            if (!a.is_string() || !known.count(a.get<std::string>()))
                throw FormatError(file, "architectures", a.dump() + " is not supported (LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM)");
    }
    c.dim = r.integer("hidden_size");
    c.hiddenDim = r.integer("intermediate_size");
    c.nLayers = r.integer("num_hidden_layers");
    c.nHeads = r.integer("num_attention_heads");
    c.nKvHeads = r.integer("num_key_value_heads", c.nHeads);
    c.vocabSize = r.integer("vocab_size");
    // the config classes' defaults when the key is absent
    const int64_t defaultPositions = c.modelType == "mistral" ? 4096 * 32 : c.modelType == "qwen2" ? 32768 : 2048;
    const int64_t maxPositions = r.integer("max_position_embeddings", defaultPositions);
    c.maxSeqLen = maxPositions;
    c.headDim = r.integer("head_dim", c.nHeads > 0 ? c.dim / c.nHeads : 0);
    c.normEps = r.number("rms_norm_eps", 1e-6);
    c.tiedEmbeddings = r.boolean("tie_word_embeddings", false); // LlamaConfig's, MistralConfig's and Qwen2Config's default
    c.qkvBias = c.modelType == "qwen2" || (c.modelType == "llama" && r.boolean("attention_bias", false));
    c.rope = RopeStyle::RotateHalf;
    if (r.boolean("mlp_bias", false))
        throw FormatError(file, "mlp_bias", "MLP biases are not supported");
    if (r.string("hidden_act", "silu") != "silu")
        throw FormatError(file, "hidden_act", "\"" + r.string("hidden_act", "") + "\" is not supported (silu)");
    if (r.number("partial_rotary_factor", 1.0) != 1.0)
        throw FormatError(file, "partial_rotary_factor", "partial RoPE is not supported (only 1.0)");
    c.torchDtype = r.has("torch_dtype") ? r.string("torch_dtype", "") : r.string("dtype", "");

    // RoPE: classic top-level rope_theta + rope_scaling, or transformers 5's rope_parameters; when
    // both are present they must agree.
    const bool classicTheta = r.has("rope_theta");
    c.ropeTheta = r.number("rope_theta", 10000.0); // the config classes' default when absent
    if (r.has("rope_scaling"))
        c.ropeScaling = parseRopeScaling(j["rope_scaling"], file, "rope_scaling", maxPositions);
    if (r.has("rope_parameters")) {
        const nlohmann::json& p = j["rope_parameters"];
        if (p.is_object() && !p.contains("rope_type") && !p.contains("rope_theta") && !p.empty() && p.begin()->is_object())
            throw FormatError(file, "rope_parameters", "per-layer-type RoPE parameters are not supported");
        const RopeScaling s = parseRopeScaling(p, file, "rope_parameters", maxPositions);
        Reader pr{p, file, "rope_parameters."};
        const double theta = pr.number("rope_theta", c.ropeTheta);
        if (classicTheta && theta != c.ropeTheta)
            throw FormatError(file, "rope_parameters.rope_theta", "contradicts rope_theta " + j["rope_theta"].dump());
        if (r.has("rope_scaling") && !sameScaling(s, c.ropeScaling))
            throw FormatError(file, "rope_parameters", "contradicts rope_scaling " + j["rope_scaling"].dump());
        c.ropeTheta = theta;
        c.ropeScaling = s;
    }
    if (c.ropeScaling.type == RopeType::Llama3 && c.ropeScaling.originalMaxPositions > maxPositions)
        throw FormatError(file, "rope_scaling.original_max_position_embeddings", "exceeds max_position_embeddings");

    // Sliding-window attention equals full attention up to the window: the usable context stops there.
    bool sliding = false;
    if (c.modelType == "mistral")
        sliding = true; // MistralConfig always applies sliding_window (default 4096, null = none)
    else if (c.modelType == "qwen2")
        sliding = r.boolean("use_sliding_window", false);
    if (sliding) {
        const int64_t window = j.contains("sliding_window") ? (j["sliding_window"].is_null() ? 0 : r.integer("sliding_window"))
                                                            : (c.modelType == "mistral" ? 4096 : 0);
        if (window > 0 && window < c.maxSeqLen)
            c.maxSeqLen = window;
    }
    if (r.has("layer_types")) {
        if (!j["layer_types"].is_array())
            throw FormatError(file, "layer_types", "must be a list");
        for (const auto& t : j["layer_types"])
            if (t != "full_attention" && !(sliding && t == "sliding_attention"))
                throw FormatError(file, "layer_types", t.dump() + " is not supported (full_attention)");
    }
    try {
        c.validate(file);
    } catch (const ShapeError& e) {
        throw FormatError(file, "", e.what());
    }
    return c;
}

nlohmann::ordered_json eosTokenJson(const ModelConfig& c)
{
    const auto ids = c.allEosIds();
    return ids.size() == 1 ? nlohmann::ordered_json(ids[0]) : nlohmann::ordered_json(ids);
}

nlohmann::ordered_json mergeSourceConfig(const Model& m, nlohmann::ordered_json computed)
{
    if (m.sourceConfig.empty())
        return computed;
    nlohmann::ordered_json out = nlohmann::ordered_json::parse(m.sourceConfig);
    out.erase("quantization_config"); // the written weights say how they are stored
    // what the written folder decides; everything else the source said stays as it said it
    static const std::set<std::string> owned = {"architectures", "model_type", "hidden_size", "intermediate_size",
                                                "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
                                                "vocab_size", "tie_word_embeddings", "bos_token_id", "eos_token_id"};
    const bool t5Layout = out.contains("rope_parameters") && !out.contains("rope_theta");
    for (const auto& item : computed.items()) {
        const std::string& key = item.key();
        if (t5Layout && (key == "rope_theta" || key == "rope_scaling"))
            continue; // the source's rope_parameters already say it, in its layout
        if (key == "torch_dtype" && out.contains("dtype"))
            continue; // transformers 5 spelling; the source's dtype is kept
        if (owned.count(key) || !out.contains(key))
            out[key] = item.value();
    }
    return out;
}

} // namespace awb
