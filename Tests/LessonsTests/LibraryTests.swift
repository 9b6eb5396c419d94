import Foundation
import Testing
@testable import Lessons

@Suite struct LibraryTests {
  @Test func theLessonsFolderIsFoundAndListedInOrder() throws {
    let directory = try #require(LessonLibrary.directory())
    let files = LessonLibrary.files(in: directory).map(\.lastPathComponent)
    #expect(files.first == "01-tokens.md")
    #expect(!files.contains("README.md"))
    #expect(files == files.sorted())
    let all = try LessonLibrary.all()
    #expect(all.count == files.count)
    #expect(all.map(\.number) == all.map(\.number).sorted { ($0 ?? 0) < ($1 ?? 0) })
  }

  @Test func aLessonIsFoundByNumberSlugFileNameOrPath() throws {
    let byNumber = try LessonLibrary.find("3")
    #expect(byNumber.number == 3)
    let name = URL(fileURLWithPath: byNumber.file).lastPathComponent
    let slug = String(name.dropLast(3).drop { $0 != "-" }.dropFirst())
    #expect(try LessonLibrary.find("03").file == byNumber.file)
    #expect(try LessonLibrary.find(slug).file == byNumber.file)
    #expect(try LessonLibrary.find(name).file == byNumber.file)
    #expect(try LessonLibrary.find(String(name.dropLast(3))).file == byNumber.file)
    #expect(try LessonLibrary.find(byNumber.file).title == byNumber.title)
  }

  @Test func anUnknownLessonListsTheKnownOnes() throws {
    #expect {
      try LessonLibrary.find("no-such-lesson")
    } throws: { error in
      let description = (error as? LessonError)?.description ?? ""
      return description.hasPrefix("no-such-lesson: no such lesson in ") && description.contains("01-tokens")
    }
    #expect(throws: LessonError(file: "/nonexistent/01-x.md", line: 0, message: "cannot read the file (no such file)")) {
      try LessonLibrary.find("/nonexistent/01-x.md")
    }
  }
}
