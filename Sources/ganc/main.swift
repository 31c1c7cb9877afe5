import GancDriver
@main struct Main { static func main() {} }
