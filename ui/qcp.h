#pragma once
// QCustomPlot for a QT_NO_KEYWORDS build. Its header uses the bare `signals` and `foreach`
// keywords, which QT_NO_KEYWORDS removes (we need that define because libtorch has a member named
// `slots`). Map them for the duration of the include only; moc never sees this header.
#ifndef signals
#define AWB_QCP_DEFINED_SIGNALS
#define signals Q_SIGNALS
#endif
#ifndef foreach
#define AWB_QCP_DEFINED_FOREACH
#define foreach Q_FOREACH
#endif
#include <qcustomplot.h>
#ifdef AWB_QCP_DEFINED_SIGNALS
#undef signals
#undef AWB_QCP_DEFINED_SIGNALS
#endif
#ifdef AWB_QCP_DEFINED_FOREACH
#undef foreach
#undef AWB_QCP_DEFINED_FOREACH
#endif
