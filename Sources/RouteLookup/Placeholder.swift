public enum RouteLookupPlaceholder {}
