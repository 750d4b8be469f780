/// Picket's version: what `picket --version` prints, `picket_build_info` exports and the dashboard shows.
public enum PicketVersion {
    public static let current = "0.1.0"
}
