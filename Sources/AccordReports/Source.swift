/// Where the reports read contracts from: every contract's facts, kept in the query index by
/// head commit (`facts(_:)`, FactsCache.swift). A contract that cannot be read is named, not
/// skipped silently: a total without it would mislead.
public enum ReportSource {}
