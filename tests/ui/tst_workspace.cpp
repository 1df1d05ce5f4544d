// Workspaces: a save/load round trip (atomic, relative paths read against the file's folder), bad
// files refused with the file and the JSON path of the field, and the window applying one (the
// Calibration view and the Project tree) or listing a bad one in the Issues pane without changing
// anything; saved workspaces land in the recent-workspaces list (QSettings).
#include "ui/calibration_models.h"
#include "ui/calibration_view.h"
#include "ui/issues_panel.h"
#include "ui/job_runner.h"
#include "ui/main_window.h"
#include "ui/project_panel.h"
#include "ui/workspace.h"

#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QTreeWidget>

using namespace awb::ui;

namespace {
void writeText(const QString& path, const QByteArray& text)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(text);
}

const char* kGood = R"({"format": "awb-workspace", "version": 1, "model": "",
  "calibration": {"sources": [{"source": "wikitext2", "checked": true}, {"source": "tinystories", "checked": false},
                              {"source": "texts/mine.txt", "checked": true}],
                  "blocks": 3, "seqlen": 96, "long_samples": "drop", "target_text": ""},
  "sweep_store": ""})";
} // namespace

class TestWorkspace : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void roundTrips();
    void relativePathsAreTheWorkspaceFolders();
    void badFilesNameTheFileAndField_data();
    void badFilesNameTheFileAndField();
    void theWindowAppliesAWorkspace();
    void aBadWorkspaceIsAnIssueAndChangesNothing();
    void savedWorkspacesAreRecent();
    void theSessionComesBackOnTheNextStart();

private:
    QTemporaryDir m_dir;
};

void TestWorkspace::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName(QStringLiteral("AWQ Workbench tests"));
    QCoreApplication::setApplicationName(QStringLiteral("tst_workspace"));
    QSettings().clear();
    QVERIFY(m_dir.isValid());
}

void TestWorkspace::roundTrips()
{
    Workspace w;
    w.model = "/models/tiny.bin";
    w.calibration.sources = {{"tinystories", false}, {"self", true}, {"/data/calib.jsonl", true}};
    w.calibration.blocks = 16;
    w.calibration.seqLen = 512;
    w.calibration.splitLongSamples = false;
    w.calibration.targetText = "/data/target.txt";
    w.sweepStore = "/runs/sweep.h5";
    const QString path = m_dir.filePath(QStringLiteral("a.awbws"));
    saveWorkspace(path.toStdString(), w);
    QVERIFY(!QFile::exists(path + QStringLiteral(".tmp"))); // committed, nothing left beside it
    const Workspace r = loadWorkspace(path.toStdString());
    QCOMPARE(r.model, w.model);
    QCOMPARE(r.sweepStore, w.sweepStore);
    QCOMPARE(r.calibration.sources.size(), size_t(3));
    for (size_t i = 0; i < 3; ++i) {
        QCOMPARE(r.calibration.sources[i].source, w.calibration.sources[i].source);
        QCOMPARE(r.calibration.sources[i].checked, w.calibration.sources[i].checked);
    }
    QCOMPARE(r.calibration.blocks, int64_t(16));
    QCOMPARE(r.calibration.seqLen, int64_t(512));
    QCOMPARE(r.calibration.splitLongSamples, false);
    QCOMPARE(r.calibration.targetText, w.calibration.targetText);
    // A save into a folder that does not exist fails naming it, and leaves nothing.
    try {
        saveWorkspace(m_dir.filePath(QStringLiteral("no/such/dir/b.awbws")).toStdString(), w);
        QFAIL("saving into a missing folder must fail");
    } catch (const std::exception& e) {
        QVERIFY2(QString::fromUtf8(e.what()).contains(QStringLiteral("b.awbws")), e.what());
    }
}

void TestWorkspace::relativePathsAreTheWorkspaceFolders()
{
    const QString path = m_dir.filePath(QStringLiteral("rel.awbws"));
    writeText(path, kGood);
    const Workspace w = loadWorkspace(path.toStdString());
    QCOMPARE(w.calibration.sources[0].source, std::string("wikitext2")); // bundled names stay names
    QCOMPARE(QString::fromStdString(w.calibration.sources[2].source), QDir(m_dir.path()).filePath(QStringLiteral("texts/mine.txt")));
    QCOMPARE(w.model, std::string()); // empty = embedded, not a folder
}

void TestWorkspace::badFilesNameTheFileAndField_data()
{
    QTest::addColumn<QByteArray>("text");
    QTest::addColumn<QString>("field");
    const QByteArray good(kGood);
    auto with = [&](const char* from, const char* to) {
        QByteArray t = good;
        return t.replace(from, to);
    };
    QTest::newRow("not JSON") << QByteArray("{\"format\": ") << QString();
    QTest::newRow("another format") << with("awb-workspace", "awb-sweep-store") << QStringLiteral("/format");
    QTest::newRow("a newer version") << with("\"version\": 1", "\"version\": 2") << QStringLiteral("/version");
    QTest::newRow("a version that wraps to 1 as int") << with("\"version\": 1", "\"version\": 4294967297") << QStringLiteral("/version");
    QTest::newRow("blocks as text") << with("\"blocks\": 3", "\"blocks\": \"three\"") << QStringLiteral("/calibration/blocks");
    QTest::newRow("zero blocks") << with("\"blocks\": 3", "\"blocks\": 0") << QStringLiteral("/calibration/blocks");
    QTest::newRow("seqlen missing") << with("\"seqlen\": 96,", "") << QStringLiteral("/calibration/seqlen");
    QTest::newRow("long samples") << with("\"drop\"", "\"maybe\"") << QStringLiteral("/calibration/long_samples");
    QTest::newRow("checked as text") << with("\"checked\": false", "\"checked\": \"no\"") << QStringLiteral("/calibration/sources/1/checked");
    QTest::newRow("model as number") << with("\"model\": \"\"", "\"model\": 7") << QStringLiteral("/model");
}

void TestWorkspace::badFilesNameTheFileAndField()
{
    QFETCH(QByteArray, text);
    QFETCH(QString, field);
    const QString path = m_dir.filePath(QStringLiteral("bad.awbws"));
    writeText(path, text);
    try {
        loadWorkspace(path.toStdString());
        QFAIL("a bad workspace must be refused");
    } catch (const std::exception& e) {
        const QString message = QString::fromUtf8(e.what());
        QVERIFY2(message.contains(path), qPrintable(message));
        if (!field.isEmpty())
            QVERIFY2(message.contains(field + QStringLiteral(":")), qPrintable(message));
    }
}

void TestWorkspace::theWindowAppliesAWorkspace()
{
    MainWindow window(false);
    window.show();
    const QString path = m_dir.filePath(QStringLiteral("apply.awbws"));
    writeText(path, kGood);
    QVERIFY(window.openWorkspace(path));
    QVERIFY(window.runner()->waitForIdle(60000)); // the embedded model opens
    const CalibrationChoices c = window.calibrationView()->choices();
    QCOMPARE(c.checked(), (std::vector<std::string>{"wikitext2", QDir(m_dir.path()).filePath(QStringLiteral("texts/mine.txt")).toStdString()}));
    QCOMPARE(c.blocks, int64_t(3));
    QCOMPARE(c.seqLen, int64_t(96));
    QCOMPARE(c.splitLongSamples, false);
    // "self" is still offered though the file did not list it.
    QVERIFY(std::any_of(c.sources.begin(), c.sources.end(), [](const CalibrationSourceChoice& s) { return s.source == "self" && !s.checked; }));
    // The Project tree mirrors the choices.
    QTreeWidget* tree = window.findChild<ProjectPanel*>()->tree();
    const auto wiki = tree->findItems(calibrationSourceLabel("wikitext2"), Qt::MatchExactly | Qt::MatchRecursive);
    QCOMPARE(wiki.size(), 1);
    QCOMPARE(wiki[0]->checkState(0), Qt::Checked);
    QCOMPARE(tree->findItems(QStringLiteral("mine.txt"), Qt::MatchExactly | Qt::MatchRecursive).size(), 1);
    // What the window would save is what it read.
    const Workspace w = window.workspace();
    QCOMPARE(w.calibration.blocks, int64_t(3));
    QCOMPARE(w.model, std::string());
    QCOMPARE(window.workspacePath(), path);
}

void TestWorkspace::aBadWorkspaceIsAnIssueAndChangesNothing()
{
    MainWindow window(false);
    const CalibrationChoices before = window.calibrationView()->choices();
    const QString path = m_dir.filePath(QStringLiteral("broken.awbws"));
    writeText(path, QByteArray(kGood).replace("\"blocks\": 3", "\"blocks\": -1"));
    QVERIFY(!window.openWorkspace(path));
    QCOMPARE(window.issuesPanel()->errorCount(), 1);
    const QString message = window.issuesPanel()->messageAt(0);
    QVERIFY2(message.contains(QStringLiteral("broken.awbws")) && message.contains(QStringLiteral("/calibration/blocks")), qPrintable(message));
    QCOMPARE(window.calibrationView()->choices().checked(), before.checked());
    QCOMPARE(window.calibrationView()->choices().blocks, before.blocks);
    QVERIFY(!window.runner()->isBusy()); // no model opened
    QVERIFY(window.workspacePath().isEmpty());
}

void TestWorkspace::savedWorkspacesAreRecent()
{
    MainWindow window(true); // persisting: recent files go to (test-mode) QSettings
    const QString path = m_dir.filePath(QStringLiteral("recent.awbws"));
    QVERIFY(window.saveWorkspace(path));
    QVERIFY(QFile::exists(path));
    const QStringList recent = QSettings().value(QStringLiteral("recent/workspaces")).toStringList();
    QVERIFY(!recent.isEmpty());
    QCOMPARE(recent.first(), QFileInfo(path).absoluteFilePath());
    QCOMPARE(loadWorkspace(path.toStdString()).calibration.checked(), window.calibrationView()->choices().checked());
}

void TestWorkspace::theSessionComesBackOnTheNextStart()
{
    QFile::remove(MainWindow::sessionWorkspacePath());
    CalibrationChoices c;
    c.sources = {{"tinystories", false}, {"wikitext2", true}, {"self", true}};
    c.blocks = 5;
    {
        MainWindow window(true);
        window.show();
        window.calibrationView()->setChoices(c);
        QVERIFY(window.close());
    }
    QVERIFY(QFile::exists(MainWindow::sessionWorkspacePath()));
    MainWindow next(true);
    QVERIFY(next.openWorkspace(MainWindow::sessionWorkspacePath(), false));
    QVERIFY(next.runner()->waitForIdle(60000));
    QCOMPARE(next.calibrationView()->choices().checked(), (std::vector<std::string>{"wikitext2", "self"}));
    QCOMPARE(next.calibrationView()->choices().blocks, int64_t(5));
    QVERIFY(next.workspacePath().isEmpty()); // the session file is not "the" workspace, nor a recent one
    QVERIFY(!QSettings().value(QStringLiteral("recent/workspaces")).toStringList().contains(MainWindow::sessionWorkspacePath()));
}

QTEST_MAIN(TestWorkspace)
#include "tst_workspace.moc"
