/// Replicas meeting: remotes (paths and bundle files), object transfer as packs, and the
/// structured three-way merge of contracts (domain.md §5).
public enum AccordSync {}
