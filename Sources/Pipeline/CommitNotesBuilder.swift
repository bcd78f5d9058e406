import Checking
import GitAccess
import ImageModel
import Reports

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension RunContext {
    /// What reports say of findings from commits that are not a tip: the commit's subject, and which outputs are gone at the tips.
    func commitNotes(_ report: RunReport, tips: [ObjectID]) -> CommitNotes {
        var notes = CommitNotes()
        let tipIds = Set(tips.map(\.hex))
        let snapshots = tips.compactMap { try? snapshot($0) }
        var places = Set<[String]>()
        for image in report.images where !tipIds.contains(image.commit) { places.insert([image.commit, image.path]) }
        for finding in report.findings where !tipIds.contains(finding.commit) && !finding.commit.isEmpty {
            places.insert([finding.commit, finding.path])
        }
        for place in places {
            let commit = place[0], path = place[1]
            if notes.notes[commit] == nil, let id = ObjectID(hex: commit) {
                notes.notes[commit] = CommitNotes.Note(
                    short: id.short, subject: (try? repository.commitSubject(id)) ?? "")
            }
            if !snapshots.isEmpty && snapshots.allSatisfy({ $0.entry(at: path) == nil }) {
                notes.gone.insert(commit + "\u{0}" + path)
            }
        }
        return notes
    }
}
