import CNITestSupport
import LinuxSupport
import Testing

@Suite("FileLock and DirectoryHandle")
struct FileLockTests {
    @Test("two locks opened separately on one file exclude each other, even in one process")
    func exclusion() throws {
        let temp = try TemporaryDirectory()
        let first = try FileLock(path: temp.appending("lock"))
        let second = try FileLock(path: temp.appending("lock"))
        #expect(try first.tryLock())
        #expect(try !second.tryLock())
        first.unlock()
        #expect(try second.tryLock())
        second.unlock()
        #expect(mode(temp.appending("lock")) == 0o600)
    }

    @Test("directory handles refuse names that are not a single path component")
    func singleComponent() throws {
        let temp = try TemporaryDirectory()
        let directory = try DirectoryHandle(path: temp.path)
        for name in ["", ".", "..", "../x", "a/b", "/etc/passwd"] {
            #expect(throws: SystemError.self) { try directory.createFile(name, contents: [], mode: 0o600) }
            #expect(throws: SystemError.self) { _ = try directory.readFile(name) }
            #expect(throws: SystemError.self) { try directory.removeFile(name) }
        }
        #expect(names(temp.path).isEmpty)
    }

    @Test("createFile is exclusive and replaceFile swaps content whole")
    func createAndReplace() throws {
        let temp = try TemporaryDirectory()
        let directory = try DirectoryHandle(path: temp.path)
        try directory.createFile("a", contents: Array("one".utf8), mode: 0o600)
        #expect(performing: { try directory.createFile("a", contents: [], mode: 0o600) },
                throws: { ($0 as? SystemError)?.errno == 17 })
        try directory.replaceFile("a", contents: Array("two".utf8), mode: 0o600, temporaryName: ".a.tmp")
        #expect(fileText(temp.appending("a")) == "two")
        #expect(names(temp.path) == ["a"])
        // The first write of a name has nothing to exchange with; the old file never lingers
        // under the temporary name.
        for (name, text) in [("b", "first"), ("b", "second"), ("a", "three")] {
            try directory.replaceFile(name, contents: Array(text.utf8), mode: 0o600, temporaryName: ".x")
            #expect(fileText(temp.appending(name)) == text)
        }
        #expect(names(temp.path) == ["a", "b"])
    }

    @Test("overwriteFile rewrites in place: same inode, exact contents whether shorter or longer, created when missing")
    func overwriteInPlace() throws {
        let temp = try TemporaryDirectory()
        let directory = try DirectoryHandle(path: temp.path)
        try directory.overwriteFile("hint", contents: Array("10.88.0.255".utf8), mode: 0o600)
        #expect(mode(temp.appending("hint")) == 0o600)
        let inode = inodeNumber(temp.appending("hint"))
        for text in ["10.88.1.0", "10.88.1.100", "fd00::1", "fd00:0:0:1::ffff"] {
            try directory.overwriteFile("hint", contents: Array(text.utf8), mode: 0o600)
            #expect(fileText(temp.appending("hint")) == text)
            #expect(inodeNumber(temp.appending("hint")) == inode, "rewritten in place, no new inode")
        }
        #expect(names(temp.path) == ["hint"])
    }
}

