/// Replicas meeting: remotes (paths and bundle files) and object transfer as packs. The merge of
/// what arrives is `AccordMerge`'s.
public enum AccordSync {}
