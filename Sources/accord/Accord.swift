import ArgumentParser

@main
struct Accord: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "accord",
        abstract: "Version control for sales contracts, in git's SHA-256 repository format.",
        discussion: """
        Exit codes: 0 success; 1 a check failed (fsck found damage, an object or ancestor is \
        missing); 64 bad usage; 128 fatal error (bad repository, bad input, lost a race).
        """,
        version: "0.1.0",
        subcommands: [
            Demo.self, Init.self, ConfigCommand.self,
            New.self, TemplateCommand.self, Show.self, List.self, SetFields.self, Item.self, RecordCommand.self, Attach.self, Diff.self, Blame.self, Import.self, Export.self, Revert.self, TagCommand.self, EditCommand.self,
            Merge.self, Conflicts.self, Resolve.self, StatusCommand.self, Pull.self, SyncCommand.self,
            CheckContract.self, Submit.self, Withdraw.self, Approve.self, Reject.self, Sign.self, Start.self, Complete.self, Terminate.self, ArchiveCommand.self, Cancel.self,
            CatFile.self, HashObject.self, MkTree.self, LsTree.self, CommitTree.self,
            RevParse.self, UpdateRef.self, ShowRef.self, Reflog.self, Log.self, MergeBase.self,
            FsckCommand.self, GC.self, KeyCommand.self, OrgCommand.self, VerifyCommit.self, VerifyTag.self,
            ReportCommand.self, Todo.self, Remind.self, Search.self,
            RemoteCommand.self, Clone.self, Fetch.self, Push.self, BundleCommand.self, Serve.self, CredentialCommand.self,
        ]
    )
}
