import Testing

/// Issue 14's suites (reports, to-do, reminders, show, the HTML dashboard in Chromium), one test
/// at a time: each runs accord (and chromium) as child processes and blocks a test thread while
/// it waits; run in parallel they would hold both threads of a 2-core machine and starve other
/// suites' time limits.
@Suite(.serialized, .timeLimit(.minutes(10))) enum HeadOffice {}
