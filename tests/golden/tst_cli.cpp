// The `awb` CLI contract: help, exit codes (0 ok, 1 runtime error, 2 bad arguments), one JSON
// object as the last stdout line with --json, one-line errors on stderr naming what failed.
#include "core/store/sweep_store.h"

#include <QtTest/QtTest>
#include <csignal>
#include <fstream>
#include <nlohmann/json.hpp>

namespace {
const QString kCli = QStringLiteral(AWB_CLI_PATH);
const QString kResources = QStringLiteral(AWB_TEST_RESOURCES_DIR);
const QString kModel = kResources + "/models/stories260K/stories260K.bin";

struct Run {
    int code;
    QString out;
    QString err;
};

Run runCli(const QStringList& args)
{
    QProcess p;
    p.start(kCli, args);
    p.waitForFinished(600000);
    return {p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
            QString::fromUtf8(p.readAllStandardError())};
}

nlohmann::json lastJsonLine(const QString& out)
{
    const QStringList lines = out.trimmed().split('\n');
    return nlohmann::json::parse(lines.last().toStdString());
}
} // namespace

class TestCli : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void helpDocumentsEveryCommand()
    {
        const Run r = runCli({"--help"});
        QCOMPARE(r.code, 0);
        for (const char* cmd : {"generate", "eval", "inspect", "quantize", "convert", "export", "diagnose", "sweep", "merge", "report", "demo"})
            QVERIFY2(r.out.contains(cmd), cmd);
        const Run e = runCli({"eval", "--help"});
        QCOMPARE(e.code, 0);
        QVERIFY(e.out.contains("--seqlen"));
    }

    void evalPrintsJsonAsLastLine()
    {
        const Run r = runCli({"eval", "--model", kModel, "--text", kResources + "/text/tinystories-valid-sample.txt", "--json"});
        QCOMPARE(r.code, 0);
        const auto j = lastJsonLine(r.out);
        QCOMPARE(j["tokens"].get<int>(), 15507);
        QVERIFY(std::abs(j["ppl"].get<double>() / 5.8298 - 1) < 5e-5); // reference to 4 decimals
        QVERIFY(j["seconds"].get<double>() > 0);
    }

    void diagnoseOfFpAgainstItselfPrintsZeroDriftAsJson()
    {
        QTemporaryDir dir;
        const QString report = dir.filePath("drift.h5");
        const Run r = runCli({"diagnose", "--w-bit", "16", "--eval", kResources + "/text/tinystories-valid-sample.txt", "--max-windows",
                              "2", "--no-lambda-flips", "--report", report, "--json"});
        QCOMPARE(r.code, 0);
        const auto j = lastJsonLine(r.out);
        for (const char* key : {"ppl_fp", "ppl_q", "kl_mean", "kl_p99", "top1_agreement", "entropy_onset_fp", "entropy_onset_q", "delta_s_q_r",
                                "delta_s_r_anchor", "delta_s_null", "drift_mean", "coverage_mean", "anchor_gap_mean",
                                "lambda_convergent_rate", "gates", "diagnosis"})
            QVERIFY2(j.contains(key), key);
        QCOMPARE(j["ppl_q"].get<double>(), j["ppl_fp"].get<double>());
        QCOMPARE(j["kl_mean"].get<double>(), 0.0);
        QCOMPARE(j["top1_agreement"].get<double>(), 1.0);
        QCOMPARE(j["drift_mean"].get<double>(), 0.0);
        QVERIFY(j["entropy_onset_q"] == j["entropy_onset_fp"]); // null when there is no onset
        QVERIFY(j["gates"]["kl_mean"]["pass"].get<bool>());
        QVERIFY(j["gates"]["kl_mean"].contains("threshold"));
        QVERIFY(j["diagnosis"].is_array());
        QVERIFY(r.err.contains("gates"));
        QVERIFY(QFile::exists(report));
        QVERIFY(!QFile::exists(report + ".tmp"));
    }

    void greedyGenerateIsDeterministicAndSamplingIsSeeded()
    {
        const Run greedy = runCli({"generate", "--max-tokens", "30", "--temperature", "0"});
        QCOMPARE(greedy.code, 0);
        QVERIFY(greedy.out.startsWith("Once upon a time, there was a little girl named Lily."));
        const QStringList sampled = {"generate", "--max-tokens", "40", "--temperature", "0.9", "--top-p", "0.9", "--seed", "7", "--json"};
        const Run a = runCli(sampled), b = runCli(sampled);
        QCOMPARE(a.code, 0);
        QCOMPARE(lastJsonLine(a.out)["text"], lastJsonLine(b.out)["text"]);
    }

    void inspectReportsArchitecture()
    {
        const Run r = runCli({"inspect", "--model", kModel, "--json"});
        QCOMPARE(r.code, 0);
        const auto j = lastJsonLine(r.out);
        QCOMPARE(j["hidden_size"].get<int>(), 64);
        QCOMPARE(j["intermediate_size"].get<int>(), 172);
        QCOMPARE(j["num_key_value_heads"].get<int>(), 4);
        QCOMPARE(j["tokenizer"]["kind"].get<std::string>(), std::string("sentencepiece-bpe"));
        QVERIFY(j["parameters"].get<int64_t>() > 200000);
    }

    void quantizeStoresResultsThatReapplyExactly()
    {
        QTemporaryDir dir;
        const QString h5 = dir.filePath("r.h5");
        const QString eval = kResources + "/text/tinystories-valid-sample.txt";
        const QStringList common = {"quantize", "--model", kModel, "--w-bit", "3", "--group-size", "32", "--eval", eval, "--json"};
        const Run search = runCli(common + QStringList{"--calib", "tinystories", "--n-samples", "4", "--seqlen", "256",
                                                       "--long-samples", "split", "--save-results", h5});
        QCOMPARE(search.code, 0);
        const auto a = lastJsonLine(search.out);
        QCOMPARE(a["method"].get<std::string>(), std::string("awq"));
        QCOMPARE(a["calib_blocks"].get<int>(), 4);
        QVERIFY(a["ppl_q"].get<double>() > a["ppl_fp"].get<double>());
        const Run applied = runCli(common + QStringList{"--apply-results", h5});
        QCOMPARE(applied.code, 0);
        QCOMPARE(lastJsonLine(applied.out)["ppl_q"].get<double>(), a["ppl_q"].get<double>());
        const Run rtn = runCli(common + QStringList{"--method", "rtn"});
        QVERIFY(lastJsonLine(rtn.out)["ppl_q"].get<double>() > a["ppl_q"].get<double>()); // AWQ beats RTN at 3 bits
    }

    void quantizeRefusesImpossibleSettingsAndWritesNothing_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("w-bit 9") << QStringList{"--w-bit", "9", "--group-size", "32", "--calib", "tinystories"} << 2 << "outside 2..8";
        QTest::newRow("group 12") << QStringList{"--w-bit", "4", "--group-size", "12", "--calib", "tinystories"} << 2 << "multiple of 8";
        QTest::newRow("no calib") << QStringList{"--w-bit", "4", "--group-size", "32"} << 2 << "--calib is required";
        // a file without text is the file's problem (exit 1), named with the file
        QTest::newRow("empty calib") << QStringList{"--w-bit", "4", "--group-size", "32", "--calib", "@empty"} << 1
                                     << "empty.txt: has no calibration text";
        QTest::newRow("not utf-8") << QStringList{"--w-bit", "4", "--group-size", "32", "--calib", "@latin1"} << 1 << "not valid UTF-8";
    }
    void quantizeRefusesImpossibleSettingsAndWritesNothing()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        QTemporaryDir dir;
        for (QString& a : args) {
            if (a.startsWith('@')) {
                const QString path = dir.filePath(a.mid(1) + ".txt");
                QFile f(path);
                f.open(QIODevice::WriteOnly);
                f.write(a == "@latin1" ? "caf\xE9\n" : "\n\n");
                a = path;
            }
        }
        const QString h5 = dir.filePath("r.h5");
        const Run r = runCli(QStringList{"quantize", "--save-results", h5} + args);
        QCOMPARE(r.code, code);
        QVERIFY2(r.err.trimmed().split('\n').last().contains(message), qPrintable(r.err));
        QVERIFY(!QFile::exists(h5) && !QFile::exists(h5 + ".tmp"));
    }

    // SIGINT mid-search: the job stops at its next check, removes its temporaries, exits 130.
    void sigintMidSearchLeavesNothingAndExits130()
    {
        QTemporaryDir dir;
        QProcess p;
        p.start(kCli, {"quantize", "--model", kModel, "--w-bit", "4", "--group-size", "32", "--calib", "tinystories", "--n-samples", "16",
                       "--long-samples", "split", "--out", dir.filePath("out"), "--save-results", dir.filePath("r.h5")});
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QElapsedTimer clock;
        clock.start();
        while (!err.contains("scale search") && p.state() == QProcess::Running && clock.elapsed() < 300000) {
            p.waitForReadyRead(1000);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("scale search"), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGINT);
        QVERIFY(p.waitForFinished(120000));
        err += p.readAllStandardError();
        QCOMPARE(p.exitStatus(), QProcess::NormalExit);
        QCOMPARE(p.exitCode(), 130);
        QVERIFY2(err.contains("cancelled"), err.constData());
        const QStringList left = QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        QVERIFY2(left.isEmpty(), qPrintable(left.join(", ")));
    }

    // The search options of `awb quantize` apply to every AWQ point of a sweep and enter its plan
    // (a store of another search is not resumed into); impossible ones are refused before any work.
    void sweepTakesTheSearchOptions()
    {
        QTemporaryDir dir;
        const QString store = dir.filePath("screened.h5");
        const QStringList args = {"sweep", "--model", kModel, "--calib", "tinystories", "--eval", kResources + "/text/tinystories-valid-sample.txt",
                                  "--w-bit", "4", "--group-size", "64", "--n-samples", "4", "--seqlen", "128", "--long-samples", "split",
                                  "--max-windows", "2", "--jobs", "1", "--out", store, "--json"};
        const Run refused = runCli(args + QStringList{"--scale-screen", "-1"});
        QCOMPARE(refused.code, 2);
        QVERIFY2(refused.err.contains("--scale-screen"), qPrintable(refused.err));
        QVERIFY(!QFile::exists(store));
        QCOMPARE(runCli(args + QStringList{"--method", "rtn", "--scale-screen", "2"}).code, 2); // nothing to search
        QVERIFY(!QFile::exists(store));
        const Run run = runCli(args + QStringList{"--feed", "fp", "--scaling", "activation", "--scale-screen", "2", "--scale-keep", "1", "--no-clip"});
        QCOMPARE(run.code, 0);
        const nlohmann::json search = awb::readSweepStore(store.toStdString()).header.plan["search"];
        QCOMPARE(search["scale_screen"], (nlohmann::json{{"every", 2}, {"keep", 1}}));
        QCOMPARE(search["search_clip"], false);
        QVERIFY(!search.contains("feed") && !search.contains("scaling")); // fp and activation: llm-awq's plain search
    }

    // SIGKILL mid-sweep (no chance to clean up): the store keeps the points finished before, opens
    // in h5ls, and a re-run finishes only the rest; merge and report print the same points.
    void sweepSurvivesSigkillAndResumesOnlyTheRest()
    {
        QTemporaryDir dir;
        const QString store = dir.filePath("sweep.h5");
        const QStringList args = {"sweep", "--model", kModel, "--calib", "tinystories", "--eval", kResources + "/text/tinystories-valid-sample.txt",
                                  "--w-bit", "3,4", "--group-size", "32,64", "--n-samples", "4", "--seqlen", "128", "--long-samples", "split",
                                  "--max-windows", "4", "--jobs", "1", "--out", store, "--json"};
        QProcess p;
        p.start(kCli, args);
        QVERIFY(p.waitForStarted());
        QByteArray err;
        QElapsedTimer clock;
        clock.start();
        while (!err.contains("stored ") && p.state() == QProcess::Running && clock.elapsed() < 300000) {
            p.waitForReadyRead(200);
            err += p.readAllStandardError();
        }
        QVERIFY2(err.contains("stored "), err.constData());
        ::kill(static_cast<pid_t>(p.processId()), SIGKILL);
        QVERIFY(p.waitForFinished(60000));
        const QString h5ls = QStandardPaths::findExecutable("h5ls");
        if (!h5ls.isEmpty()) {
            QProcess ls;
            ls.start(h5ls, {store});
            QVERIFY(ls.waitForFinished(60000));
            QCOMPARE(ls.exitCode(), 0);
            QVERIFY(ls.readAllStandardOutput().contains("points"));
        }
        const Run resumed = runCli(args);
        QCOMPARE(resumed.code, 0);
        const auto j = lastJsonLine(resumed.out);
        const size_t skipped = j["skipped"].size();
        QVERIFY(skipped >= 1 && skipped < 4);
        QCOMPARE(j["ran"].size() + skipped, size_t(4));
        QCOMPARE(j["points"].size(), size_t(4));
        QVERIFY(j["points"][0].contains("kl_mean") && j["points"][0].contains("bits_per_weight"));
        QCOMPARE(j["store"].get<std::string>(), store.toStdString());
        const QStringList left = QDir(dir.path()).entryList(QDir::AllEntries | QDir::NoDotAndDotDot | QDir::Hidden);
        QCOMPARE(left, QStringList{"sweep.h5"});

        const Run merged = runCli({"merge", store, "--out", dir.filePath("merged.h5"), "--json"});
        QCOMPARE(merged.code, 0);
        QCOMPARE(lastJsonLine(merged.out)["points"], j["points"]);
        const Run report = runCli({"report", store, "--csv", dir.filePath("points.csv")});
        QCOMPARE(report.code, 0);
        QVERIFY(report.out.contains("Pareto summary"));
        QFile csv(dir.filePath("points.csv"));
        QVERIFY(csv.open(QIODevice::ReadOnly));
        QCOMPARE(csv.readAll().count('\n'), 5); // header + 4 points

        // The reviewer's PDF, headless, from the store alone (no display: Qt's offscreen platform).
        const Run pdf = runCli({"report", store, "--pdf", dir.filePath("report.pdf"), "--png-dir", dir.filePath("plots")});
        QCOMPARE(pdf.code, 0);
        QFile file(dir.filePath("report.pdf"));
        QVERIFY(file.open(QIODevice::ReadOnly));
        QVERIFY(file.read(5) == "%PDF-");
        QCOMPARE(QDir(dir.filePath("plots")).entryList({"*.png"}).size(), 5); // one per plot
        QVERIFY(!QFile::exists(dir.filePath("report.pdf.tmp")));
        const Run unwritable = runCli({"report", store, "--pdf", dir.filePath("missing/report.pdf")});
        QCOMPARE(unwritable.code, 1);
        QVERIFY(unwritable.err.contains("missing/report.pdf"));
    }

    // The documented Slurm example (packaging/slurm, docs/sweeps.md), run as two array tasks would
    // run it, then its merge step: the merged table equals one run of the whole sweep.
    void slurmArrayExampleShardsAndMerges()
    {
        QTemporaryDir dir;
        const QString scripts = kResources + "/../packaging/slurm/"; // resources/ is at the source root
        const QStringList sweepArgs = {"--model", kModel, "--method", "rtn", "--eval", kResources + "/text/tinystories-valid-sample.txt",
                                       "--w-bit", "3,4", "--group-size", "32,64", "--max-windows", "4"};
        auto runScript = [&](const QString& script, const QStringList& args, const QStringList& env) {
            QProcess p;
            QProcessEnvironment e = QProcessEnvironment::systemEnvironment();
            e.insert("AWB", kCli);
            for (const auto& kv : env)
                e.insert(kv.section('=', 0, 0), kv.section('=', 1));
            p.setProcessEnvironment(e);
            p.start("bash", QStringList{scripts + script} + args);
            p.waitForFinished(600000);
            return Run{p.exitCode(), QString::fromUtf8(p.readAllStandardOutput()), QString::fromUtf8(p.readAllStandardError())};
        };
        const QString out = dir.filePath("array");
        for (int k = 1; k <= 2; ++k) {
            const Run task = runScript("awb-sweep-array.sh", QStringList{out, "--"} + sweepArgs,
                                       {"SLURM_ARRAY_TASK_ID=" + QString::number(k), "SLURM_ARRAY_TASK_COUNT=2"});
            QVERIFY2(task.code == 0, qPrintable(task.err));
            QCOMPARE(lastJsonLine(task.out)["ran"].size(), size_t(2));
        }
        const Run merge = runScript("awb-sweep-merge.sh", {out}, {});
        QVERIFY2(merge.code == 0, qPrintable(merge.err));
        QVERIFY(QFile::exists(out + "/sweep.h5") && QFile::exists(out + "/sweep.csv"));
        const Run whole = runCli(QStringList{"sweep"} + sweepArgs + QStringList{"--out", dir.filePath("whole.h5"), "--json"});
        QCOMPARE(whole.code, 0);
        auto metrics = [](nlohmann::json points) { // without this run's time and memory
            for (auto& p : points)
                for (const char* k : {"quantize_seconds", "eval_seconds", "wall_seconds", "process_peak_rss_mib"})
                    p.erase(k);
            return points;
        };
        QCOMPARE(metrics(lastJsonLine(merge.out)["points"]), metrics(lastJsonLine(whole.out)["points"]));
        QCOMPARE(runScript("awb-sweep-array.sh", {out}, {}).code, 2); // usage error, nothing run
    }

    void versionAndEveryCommandsHelp()
    {
        const Run v = runCli({"--version"});
        QCOMPARE(v.code, 0);
        QVERIFY(v.out.startsWith("awb "));
        for (const char* cmd : {"inspect", "generate", "eval", "quantize", "convert", "export", "diagnose", "sweep", "merge", "report", "demo"}) {
            const Run h = runCli({cmd, "--help"});
            QCOMPARE(h.code, 0);
            QVERIFY2(h.out.contains("--"), cmd);
        }
    }

    void generateJsonKeepsStdoutToTheJsonLine()
    {
        const Run r = runCli({"generate", "--max-tokens", "10", "--prompt", "Once", "--json"});
        QCOMPARE(r.code, 0);
        QCOMPARE(r.out.trimmed().split('\n').size(), 1);
        QVERIFY(lastJsonLine(r.out)["tokens"].get<int>() > 0);
    }

    void calibrationTakesATokenizerFromElsewhere()
    {
        // A model folder without a tokenizer (e.g. bench/make_synthetic_model's) can still give its
        // calibration blocks to another tool (bench/peers/llmcompressor_awq.py).
        QTemporaryDir dir;
        const QString model = dir.filePath("model.bin"), blocks = dir.filePath("blocks.json");
        QVERIFY(QFile::copy(kModel, model));
        const QStringList args{"calibration", "--model", model, "--calib", "tinystories", "--n-samples", "2", "--seqlen", "512",
                               "--save-blocks", blocks};
        const Run without = runCli(args);
        QCOMPARE(without.code, 1);
        QVERIFY2(without.err.contains("no tokenizer found"), qPrintable(without.err));
        const Run with = runCli(args + QStringList{"--tokenizer", kResources + "/models/stories260K/tok512.model"});
        QCOMPARE(with.code, 0);
        QFile f(blocks);
        QVERIFY(f.open(QIODevice::ReadOnly));
        const auto j = nlohmann::json::parse(f.readAll().toStdString());
        QCOMPARE(j["blocks"].size(), size_t(2));
        QCOMPARE(j["blocks"][0].size(), size_t(512));
    }

    void badInputGivesOneLineErrorAndExitCode_data()
    {
        QTest::addColumn<QStringList>("args");
        QTest::addColumn<int>("code");
        QTest::addColumn<QString>("message");
        QTest::newRow("unknown option") << QStringList{"inspect", "--bogus"} << 2 << "bogus";
        QTest::newRow("missing --text") << QStringList{"eval"} << 2 << "--text";
        QTest::newRow("seqlen above context") << QStringList{"eval", "--text", kResources + "/text/tinystories-valid-sample.txt", "--seqlen", "4096"} << 2 << "exceeds the model's context";
        QTest::newRow("missing text file") << QStringList{"eval", "--text", "/nonexistent.txt"} << 1 << "/nonexistent.txt";
        QTest::newRow("missing model") << QStringList{"inspect", "--model", "/nonexistent.bin"} << 1 << "/nonexistent.bin";
        QTest::newRow("missing tokenizer") << QStringList{"generate", "--model", "@copy", "--max-tokens", "3"} << 1 << "no tokenizer found";
        const QString tiny = kResources + "/text/tinystories-valid-sample.txt";
        QTest::newRow("diagnose without Q") << QStringList{"diagnose", "--eval", tiny} << 2 << "--w-bit";
        QTest::newRow("diagnose awq without calib") << QStringList{"diagnose", "--eval", tiny, "--w-bit", "4"} << 2 << "--calib";
        QTest::newRow("diagnose bad w-bit") << QStringList{"diagnose", "--eval", tiny, "--w-bit", "9", "--method", "rtn"} << 2 << "outside 2..8";
        QTest::newRow("diagnose missing probes") << QStringList{"diagnose", "--eval", tiny, "--w-bit", "16", "--probes", "/nonexistent-probes.json"} << 1 << "/nonexistent-probes.json";
        QTest::newRow("truncated model") << QStringList{"inspect", "--model", "@truncated"} << 1 << "truncated";
        QTest::newRow("rtn with --calib") << QStringList{"quantize", "--method", "rtn", "--w-bit", "4", "--group-size", "32", "--calib", "tinystories"}
                                          << 2 << "--method rtn does not calibrate";
        QTest::newRow("--out parent missing") << QStringList{"quantize", "--method", "rtn", "--w-bit", "4", "--group-size", "32", "--out", "/nonexistent/q"}
                                              << 1 << "/nonexistent";
    }
    void badInputGivesOneLineErrorAndExitCode()
    {
        QFETCH(QStringList, args);
        QFETCH(int, code);
        QFETCH(QString, message);
        QTemporaryDir dir;
        // "@copy": the model alone in a folder without tokenizer; "@truncated": cut in half
        for (QString& a : args) {
            if (a == "@copy" || a == "@truncated") {
                const QString path = dir.filePath("model.bin");
                QFile::copy(kModel, path);
                if (a == "@truncated")
                    QFile(path).resize(QFileInfo(kModel).size() / 2);
                a = path;
            }
        }
        const Run r = runCli(args);
        QCOMPARE(r.code, code);
        const QString lastErr = r.err.trimmed().split('\n').last();
        QVERIFY2(lastErr.startsWith("error: ") && lastErr.contains(message), qPrintable(r.err));
    }
};

QTEST_GUILESS_MAIN(TestCli)
#include "tst_cli.moc"
